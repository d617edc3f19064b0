"""The emergency PDFs' font: the shipped cut when it holds every character printed, the whole
font otherwise; either way every name is text pdftotext reads back."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

from fontTools.ttLib import TTFont

from kiosk.core.emergency import pdf_font
from kiosk.core.emergency.rollcall_pdf import render_roll_call
from kiosk.core.emergency.roster import Line, Person, RollCall


def _call(*names: str) -> RollCall:
    return RollCall(
        tuple(
            Line(Person(person_id=f"v{i}", kind="visitor", name=n, host="李娜 Li Na"), None)
            for i, n in enumerate(names)
        )
    )


def test_the_shipped_cut_holds_its_whole_repertoire() -> None:
    with TTFont(pdf_font.font_path(), lazy=True) as whole:
        available = set(whole.getBestCmap())
    assert pdf_font.repertoire() & available <= pdf_font.common_chars()
    assert len(pdf_font.common_chars()) > 7000


def test_a_rare_character_takes_the_whole_font_and_still_prints(tmp_path) -> None:
    common = {ord(c) for c in "张伟 Emma Müller 欧阳娜娜"}
    assert pdf_font.font_for(common) == str(pdf_font.COMMON_FONT)
    rare = {ord(c) for c in "陶喆"}  # 喆 is not in GB 2312
    assert pdf_font.font_for(rare) == pdf_font.font_path()
    for names in (("张伟", "Emma Müller"), ("陶喆", "王堃")):
        pdf = render_roll_call(
            _call(*names), None, paper="a4", site_name="演示 / Demo", printed_at=datetime.now(UTC)
        )
        path = tmp_path / "call.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        for name in names:
            assert name in text
        # the heading's lines start at the left margin, on the page (they ran off its right)
        assert "演示 / Demo" in text and "2 people: 0 accounted for" in text


def test_our_width_is_fpdfs_width() -> None:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    texts = ["张伟", "Emma Müller (Siemens AG)", "访客499 Visitor 499…", "[x] 欧阳娜娜 · 12F"]
    pdf_font.add_font(pdf, texts)
    pdf.add_page()
    for size in (4, 6.5, 8, 14):
        pdf.set_font(pdf_font.FAMILY, size=size)
        for text in texts:
            assert abs(pdf_font.width_of(pdf, text) - pdf.get_string_width(text)) < 1e-9
    assert pdf_font.finish(pdf).startswith(b"%PDF")

"""The roll call as a PDF: every name as text (findable, copyable), on A4 or the 62 mm roll.

A4 is a table: status box to tick, name, company, host, where they were going, the kiosk that
checked them in. The roll (62 mm wide, as long as the list) puts each person on two lines.
Both embed the CJK font the badges use, so Chinese names print and ``pdftotext`` reads them
back. A pure function of the roll call; fpdf2 makes the PDF.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.core.config.i18n import LOCALE_DIR, translate
from kiosk.core.emergency.pdf_font import FAMILY as _FONT
from kiosk.core.emergency.pdf_font import add_font, finish
from kiosk.core.emergency.pdf_font import both as _both
from kiosk.core.emergency.pdf_font import fit as _fit
from kiosk.core.emergency.pdf_font import shrink as _whole
from kiosk.core.emergency.roster import RollCall
from kiosk.core.emergency.timeline import Incident

PAPERS = ("a4", "roll62")


def render_roll_call(
    call: RollCall,
    incident: Incident | None,
    *,
    paper: str,
    site_name: str,
    printed_at: datetime,
) -> bytes:
    """The PDF of ``call``; ``ValueError`` for a paper not in ``PAPERS``."""
    from fpdf import FPDF

    if paper not in PAPERS:
        raise ValueError(f"roll-call paper is one of {PAPERS}, got {paper!r}")
    roll = paper == "roll62"
    row = 9.0 if roll else 6.2
    if roll:
        height = 40 + row * max(1, len(call.lines)) + 10
        pdf = FPDF(unit="mm", format=(62, max(80.0, height)))
        pdf.set_margins(3, 3, 3)
        pdf.set_auto_page_break(False)
    else:
        pdf = FPDF(unit="mm", format="A4")
        pdf.set_margins(12, 12, 12)
        pdf.set_auto_page_break(True, margin=12)
    kind = incident.emergency if incident is not None else "other"
    title = _both(f"emergency.kind.{kind}")
    if incident is not None and incident.drill:
        title = f"{_both('emergency.drill')} · {title}"
    title = f"{_both('emergency.rollcall.title')}: {title}"
    counts = call.counts()
    lines = [
        site_name,
        _both("emergency.rollcall.printed_at", time=printed_at.strftime("%Y-%m-%d %H:%M")),
        translate("emergency.rollcall.counts", "en", LOCALE_DIR, total=len(call.lines), **counts),
    ]
    after = call.all_accounted_after(incident)
    if after is not None:
        minutes, seconds = divmod(int(after), 60)
        lines.append(_both("emergency.all_accounted", minutes=minutes, seconds=seconds))
    printed = [title, *lines, *_HEADS, "[ ]x!-…· ", *(_fields(line.person) for line in call.lines)]
    add_font(pdf, printed)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font(_FONT, size=9 if roll else 14)
    pdf.multi_cell(width, 5 if roll else 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, size=7 if roll else 9)
    for text in lines:
        pdf.multi_cell(width, 4 if roll else 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if roll:
        _roll_lines(pdf, call, width)
    else:
        _a4_table(pdf, call, width, row)
    return finish(pdf)


_HEADS = ("", "Name 姓名", "Company 公司", "Host 被访人", "Going to 去往", "Kiosk")


def _fields(p: object) -> str:
    return " ".join(str(getattr(p, f)) for f in ("name", "company", "host", "where", "kiosk_id"))


def _status(line: object) -> str:
    status = getattr(line, "status", "unknown")
    return {"accounted": "[x]", "left": "[-]", "missing": "[!]"}.get(status, "[ ]")


def _a4_table(pdf: object, call: RollCall, width: float, row: float) -> None:
    """One line per person, columns placed with ``text`` (a cell per value costs twice as
    much: 500 people are 3,000 values); a new page, headed again, when the page is full."""
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    cols = (0.07, 0.25, 0.22, 0.22, 0.12, 0.12)
    heads = _HEADS
    left = pdf.l_margin
    xs = [left + width * sum(cols[:i]) for i in range(len(cols))]
    bottom = pdf.h - pdf.b_margin
    pdf.set_font(_FONT, size=8)

    def head() -> float:
        y = pdf.get_y() + row * 0.75
        for x, text in zip(xs, heads, strict=True):
            pdf.text(x, y, text)
        pdf.line(left, y + 1.2, left + width, y + 1.2)
        return y + row

    y = head()
    for line in call.lines:
        if y > bottom:
            pdf.add_page()
            y = head()
        p = line.person
        values = (_status(line), p.name, p.company, p.host, p.where, p.kiosk_id)
        for i, (x, share, value) in enumerate(zip(xs, cols, values, strict=True)):
            if not value:
                continue
            if i == 1:  # the name: smaller if need be, never cut
                _whole(pdf, value, width * share - 1, size=8)
                pdf.text(x, y, value)
                pdf.set_font(_FONT, size=8)
            else:
                pdf.text(x, y, _fit(pdf, value, width * share - 1))
        y += row


def _roll_lines(pdf: object, call: RollCall, width: float) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    for line in call.lines:
        p = line.person
        first = f"{_status(line)} {p.name}"
        pdf.set_font(_FONT, size=8)
        _whole(pdf, first, width, size=8)
        pdf.cell(width, 4.5, first)
        pdf.ln(4.5)
        pdf.set_font(_FONT, size=6.5)
        rest = "  ".join(x for x in (p.company, p.host, p.where) if x)
        pdf.cell(width, 4.5, _fit(pdf, rest, width))
        pdf.ln(4.5)

"""Badge rendering: templates, fitting, fonts, the QR, and the PDF page size."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageColor

from kiosk.core.badges.fit import fit_text
from kiosk.core.badges.fonts import font_chain, font_index_for, text_width
from kiosk.core.badges.qr import qr_matrix
from kiosk.core.badges.render import render_badge, render_badge_with_layout, to_pdf
from kiosk.core.badges.template import BadgeData, load_template, template_names
from kiosk.core.badges.tokens import sign
from kiosk.core.config.i18n import catalogue

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
TOKEN = sign(
    visit_id="3f2a9c0e8b7d4e1fa2b3c4d5e6f70812",
    site_id="demo",
    expires_at=NOW + timedelta(hours=12),
    key=b"k" * 32,
)
BADGE = BadgeData(
    site_name_zh="示范大厦",
    site_name_en="Demo Tower",
    visitor_name="张伟",
    company="上海星河科技有限公司",
    host_name="王芳 Wang Fang",
    floor="8",
    room="801",
    direction="乘左侧电梯到 8 层，出梯右转",
    purpose="meeting",
    token=TOKEN,
    issued_at=NOW,
    valid_until=NOW + timedelta(hours=12),
)


def inside(box, width, height, margin=0):
    left, top, right, bottom = box
    return left >= margin and top >= 0 and right <= width - margin and bottom <= height


def test_the_three_templates_load_with_their_sizes():
    assert {"label_62x100", "label_62_continuous", "receipt_80"} <= set(template_names())
    die_cut = load_template("label_62x100")
    assert (die_cut.width_px, die_cut.height_px, die_cut.dpi) == (696, 1109, 300)
    assert die_cut.cups_media == "Custom.62x100mm"
    receipt = load_template("receipt_80")
    assert (receipt.width_px, receipt.height_px, receipt.dpi) == (576, None, 203)
    assert receipt.monochrome


@pytest.mark.parametrize("name", ["label_62x100", "label_62_continuous", "receipt_80"])
def test_every_template_renders_everything_inside(name):
    template = load_template(name)
    image, layout = render_badge_with_layout(BADGE, template)
    assert image.width == template.width_px
    if template.height_px:
        assert image.height == template.height_px
    kinds = {item.kind for item in layout.items}
    assert {"band", "name", "company", "host", "destination", "direction", "qr", "dates"} <= kinds
    for item in layout.items:
        assert inside(item.box, image.width, image.height), item


def test_band_is_coloured_by_purpose():
    template = load_template("label_62x100")
    for purpose in ("meeting", "delivery", "contractor"):
        image, layout = render_badge_with_layout(replace(BADGE, purpose=purpose), template)
        band = next(i for i in layout.items if i.kind == "band")
        pixel = image.getpixel((band.box[0] + 3, band.box[1] + 3))
        assert pixel == ImageColor.getrgb(template.colour_for(purpose))


def test_short_name_is_one_big_line_long_name_wraps_to_two():
    template = load_template("label_62x100")
    _, short = render_badge_with_layout(BADGE, template)
    names = [i for i in short.items if i.kind == "name"]
    assert len(names) == 1 and names[0].box[3] - names[0].box[1] > 80
    long_name = "Maximilian Alexander von Hohenberg-Sigmaringen"
    _, layout = render_badge_with_layout(replace(BADGE, visitor_name=long_name), template)
    lines = [i for i in layout.items if i.kind == "name"]
    assert len(lines) == 2
    assert " ".join(i.text for i in lines) == long_name  # nothing dropped
    for line in lines:
        assert inside(line.box, 696, 1109, margin=template.margin_px - 2)


def test_a_name_too_long_for_two_lines_ends_in_an_ellipsis_and_stays_inside():
    template = load_template("label_62x100")
    name = "欧阳" * 100
    _, layout = render_badge_with_layout(replace(BADGE, visitor_name=name), template)
    lines = [i for i in layout.items if i.kind == "name"]
    assert len(lines) == 2 and lines[-1].text.endswith("…")
    for line in lines:
        assert inside(line.box, 696, 1109, margin=template.margin_px - 2)


def test_fit_text_shrinks_before_wrapping():
    size, lines = fit_text("王小明", width=600, max_size=112, min_size=44, max_lines=2)
    assert (size, lines) == (112, ["王小明"])
    text = "Christopher Montgomery"
    size, lines = fit_text(text, width=600, max_size=112, min_size=44, max_lines=2)
    assert len(lines) == 1 and 44 <= size < 112
    assert text_width(lines[0], size) <= 600


def test_chinese_glyphs_come_from_noto_sans_sc():
    chain = font_chain()
    assert chain and chain[0].endswith("NotoSansSC-Regular.otf")
    assert font_index_for("张") == 0
    # Arabic is not in Noto Sans SC: another font of the chain draws it
    assert font_index_for("ب") != 0


def test_glyphs_are_inked_not_boxes():
    template = load_template("label_62x100")
    image, layout = render_badge_with_layout(BADGE, template)
    name = next(i for i in layout.items if i.kind == "name")
    crop = image.convert("L").crop(name.box)
    dark = sum(1 for v in crop.tobytes() if v < 128)
    assert 0.1 < dark / (crop.width * crop.height) < 0.6


def test_qr_keeps_its_quiet_zone_and_decodes(tmp_path: Path):
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg missing: apt-get install zbar-tools (scripts/debian-packages.txt)")
    template = load_template("label_62x100")
    image, layout = render_badge_with_layout(BADGE, template)
    qr = next(i for i in layout.items if i.kind == "qr")
    crop = image.convert("L").crop(qr.box)
    # four modules of white around the code
    matrix_size = len(qr_matrix(TOKEN))
    module = crop.width // matrix_size
    border = crop.crop((0, 0, crop.width, 4 * module))
    assert min(border.tobytes()) == 255
    path = tmp_path / "badge.png"
    image.save(path)
    out = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True)
    assert out.stdout.split() == [TOKEN]


def test_render_is_pure():
    template = load_template("label_62x100")
    a = render_badge(BADGE, template)
    b = render_badge(BADGE, template)
    assert a.tobytes() == b.tobytes()


def test_a_visitors_own_lines_do_not_fill_the_glyph_cache():
    from kiosk.core.badges.render import _sprite

    template = load_template("label_62x100")
    render_badge(BADGE, template)  # the site, labels, host and directions: cached once
    cached = _sprite.cache_info().currsize
    for n in range(30):  # thirty visitors: their own names, companies and times
        later = NOW + timedelta(minutes=7 * n)
        render_badge(
            replace(
                BADGE,
                visitor_name=f"访客{n}号",
                company=f"公司{n}",
                issued_at=later,
                valid_until=later + timedelta(hours=12),
            ),
            template,
        )
    assert _sprite.cache_info().currsize == cached


def test_photo_is_placed_and_a_broken_one_is_ignored():
    template = load_template("label_62x100")
    photo = Image.new("RGB", (300, 400), "red")
    import io

    buf = io.BytesIO()
    photo.save(buf, "PNG")
    _, layout = render_badge_with_layout(replace(BADGE, photo=buf.getvalue()), template)
    assert any(i.kind == "photo" for i in layout.items)
    _, layout = render_badge_with_layout(replace(BADGE, photo=b"not an image"), template)
    assert not any(i.kind == "photo" for i in layout.items)


def test_pdf_page_is_exactly_the_label():
    template = load_template("label_62x100")
    pdf = to_pdf(render_badge(BADGE, template), template)
    match = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert match, pdf[:400]
    width_mm = float(match.group(1)) / 72 * 25.4
    height_mm = float(match.group(2)) / 72 * 25.4
    assert abs(width_mm - 62) < 0.2 and abs(height_mm - 100) < 0.2


def test_bad_template_file_is_refused(tmp_path: Path):
    path = tmp_path / "mine.json"
    path.write_text('{"format": "something-else"}')
    with pytest.raises(ValueError, match="not a badge template"):
        load_template(path)


def test_catalogue_has_every_badge_key_in_both_languages():
    keys = {
        "badge.visitor",
        "badge.host",
        "badge.destination",
        "badge.destination_value",
        "badge.date",
        "badge.valid_until",
        "badge.status.printing",
        "badge.status.printed",
        "badge.status.at_reception",
        "badge.printer.stopped",
        "badge.printer.offline",
        "badge.printer.out_of_media",
        "badge.printer.unreachable",
        "badge.printer.error",
        "badge.printer.interrupted",
    } | {f"badge.purpose.{p}" for p in ("meeting", "interview", "delivery", "contractor", "other")}
    for lang in ("zh_CN", "en"):
        messages = catalogue(lang)
        assert not [k for k in keys if not messages.get(k)], lang

"""Badge rendering: ``render_badge(badge, template) -> PIL.Image``, a pure function, and the
badge as PNG or PDF bytes.

A badge is laid out (``layout.py``) from a template (``template.py``: a JSON data file in
``kiosk/assets/badges/``, format in ``docs/badges.md``). The name is fitted (``fit.py``) to the
width and never clipped: it shrinks, then wraps to two lines, and only a name too long for two
lines at the smallest size ends in "…". Every other line shrinks a little, then ends in "…".

Glyphs come from Noto Sans SC with a fallback chain (``fonts.py``); rendering never fails.

The package reads font and template files and nothing else; it never touches the store, the
network or a printer.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageColor, ImageDraw

from kiosk.core.badges.fonts import font_runs, load_font, run_metrics
from kiosk.core.badges.layout import BadgeLayout, Placed, place_badge
from kiosk.core.badges.template import BadgeData, Template

#: lines that are a visitor's own (their name, company, times): drawn for each badge, never
#: cached, or the cache would fill with runs no other badge has (issue 13's soak)
ONE_OFF = frozenset({"name", "company", "dates"})


def _draw_run(run: str, index: int, size: int) -> tuple[Image.Image | None, tuple[int, int]]:
    """The ink of one run as a mask, and where it sits relative to the pen (baseline)."""
    font = load_font(index, size)
    x1, y1, x2, y2 = (int(v) for v in font.getbbox(run, anchor="ls"))
    if x2 <= x1 or y2 <= y1:
        return None, (0, 0)
    mask = Image.new("L", (x2 - x1, y2 - y1), 0)
    ImageDraw.Draw(mask).text((-x1, -y1), run, font=font, fill=255, anchor="ls")
    return mask, (x1, y1)


#: Site names, the band, labels, hosts and destinations are the same on many badges: drawing
#: each once and pasting it afterwards keeps a badge well inside its time budget
_sprite = lru_cache(maxsize=512)(_draw_run)


def render_badge_with_layout(
    badge: BadgeData, template: Template
) -> tuple[Image.Image, BadgeLayout]:
    """The badge image and where everything landed (for tests and previews)."""
    ops, height = place_badge(badge, template)
    mode = "L" if template.monochrome else "RGB"
    img = Image.new(mode, (template.width_px, height), "white")
    draw = ImageDraw.Draw(img)
    for op in ops:
        if op.kind == "band":
            draw.rectangle(op.box, fill=op.fill)
        elif op.image is not None:
            img.paste(op.image, op.xy)
        else:
            colour = ImageColor.getcolor(op.fill, mode)
            cursor = float(op.xy[0])
            draw_run = _draw_run if op.kind in ONE_OFF else _sprite
            for run, index in font_runs(op.text):
                sprite, (dx, dy) = draw_run(run, index, op.size)
                if sprite is not None:
                    img.paste(colour, (round(cursor) + dx, op.xy[1] + dy), sprite)
                cursor += run_metrics(run, index, op.size)[0]
    items = tuple(Placed(op.kind, op.box, op.text) for op in ops)
    return img, BadgeLayout(template.width_px, height, items)


def render_badge(badge: BadgeData, template: Template) -> Image.Image:
    """The badge as an image at the template's resolution (RGB, or L for thermal paper)."""
    return render_badge_with_layout(badge, template)[0]


def to_pdf(image: Image.Image, template: Template) -> bytes:
    """A one-page PDF exactly the size of the label, the image centred on it."""
    dpi = template.dpi
    width_mm, height_mm = template.page_mm
    page_w = max(image.width, round(width_mm / 25.4 * dpi))
    if height_mm is None:
        page_h = image.height
        height_mm = page_h * 25.4 / dpi
    else:
        page_h = max(image.height, round(height_mm / 25.4 * dpi))
    page = Image.new("RGB", (page_w, page_h), "white")
    page.paste(image.convert("RGB"), ((page_w - image.width) // 2, (page_h - image.height) // 2))
    out = io.BytesIO()
    page.save(out, "PDF", resolution=page_w * 25.4 / width_mm, quality=95)
    return out.getvalue()


def to_png(image: Image.Image, template: Template) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(template.dpi, template.dpi))
    return out.getvalue()

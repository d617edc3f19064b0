"""Laying a badge out: a column of blocks (site name, the "访客 VISITOR" band coloured by
purpose, the visitor's name, company, host, destination, direction) flowing from the top, and a
bottom row with the QR code, the photo and the dates. The result is a list of ``DrawOp`` (what
to draw, where, and the box its ink covers); ``render.py`` draws them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from PIL import Image

from kiosk.core.badges.fit import clean_line, fit_text
from kiosk.core.badges.fonts import font_runs, load_font, text_extent, text_width
from kiosk.core.badges.qr import qr_image
from kiosk.core.badges.template import BadgeData, Block, Template
from kiosk.core.config.i18n import translate


@dataclass(frozen=True, slots=True)
class Placed:
    """One drawn thing and the box its ink covers (left, top, right, bottom)."""

    kind: str
    box: tuple[int, int, int, int]
    text: str = ""


@dataclass(frozen=True, slots=True)
class BadgeLayout:
    width: int
    height: int
    items: tuple[Placed, ...] = field(default_factory=tuple)


@dataclass
class DrawOp:
    kind: str
    xy: tuple[int, int]
    text: str = ""
    size: int = 0
    fill: str = "#000000"
    box: tuple[int, int, int, int] = (0, 0, 0, 0)
    image: Image.Image | None = None


def _text_op(kind: str, text: str, size: int, x: int, top: int, fill: str) -> DrawOp:
    """A line whose ink starts at ``top``; the box is the real ink box of every run."""
    ascent = load_font(0, size).getmetrics()[0]
    baseline = top + ascent
    # start the pen so that the ink (not the advance) begins at x
    origin = x - int(text_extent(text, size)[0])
    left, right, ink_top, ink_bottom = x, x, baseline, baseline
    cursor = float(origin)
    for run, index in font_runs(text):
        font = load_font(index, size)
        x1, y1, x2, y2 = font.getbbox(run, anchor="ls")
        left = min(left, int(cursor + x1))
        right = max(right, int(cursor + x2) + 1)
        ink_top = min(ink_top, baseline + int(y1))
        ink_bottom = max(ink_bottom, baseline + int(y2) + 1)
        cursor += font.getlength(run)
    return DrawOp(kind, (origin, baseline), text, size, fill, (left, ink_top, right, ink_bottom))


def _line_height(size: int) -> int:
    ascent, descent = load_font(0, size).getmetrics()
    return ascent + descent


def _labels(key: str, lang: str) -> str:
    zh = translate(key, "zh_CN")
    en = translate(key, "en")
    if zh == en:
        return zh
    return f"{zh} {en}" if lang.startswith("zh") else f"{en} {zh}"


def _fmt_time(dt: datetime, with_date: bool) -> str:
    return dt.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def layout_badge(badge: BadgeData, template: Template, *, name_cap: int = 0) -> list[DrawOp]:
    t = template
    lang = badge.language
    width = t.width_px - 2 * t.margin_px
    x0 = t.margin_px
    ops: list[DrawOp] = []
    y = t.margin_px
    bottom: Block | None = None
    for block in t.blocks:
        if block.kind == "qr_row":
            bottom = block
            continue
        if block.kind == "gap":
            y += block.height
            continue
        if block.kind == "band":
            h = block.height or int(block.size * 1.8)
            colour = t.colour_for(badge.purpose)
            ops.append(DrawOp("band", (0, y), fill=colour, box=(0, y, t.width_px, y + h)))
            label = clean_line(_labels("badge.visitor", "zh_CN"))
            size, lines = fit_text(
                label, width=width, max_size=block.size, min_size=block.size // 2, max_lines=1
            )
            lh = _line_height(size)
            top = y + (h - lh) // 2
            w = int(text_width(lines[0], size))
            ops.append(
                _text_op("band_text", lines[0], size, (t.width_px - w) // 2, top, t.band_text)
            )
            y += h + t.gap_px
            continue
        text = _block_text(block.kind, badge, lang)
        if not text:
            continue
        max_size = block.size
        if block.kind == "name" and name_cap:
            max_size = min(max_size, name_cap)
        size, lines = fit_text(
            text,
            width=width,
            max_size=max_size,
            min_size=block.min_size or max(10, int(block.size * 0.75)),
            max_lines=block.max_lines,
        )
        fill = t.ink if block.kind in ("name", "company", "host", "destination") else t.muted
        lh = _line_height(size)
        align = block.get("align", "left")
        for line in lines:
            x = x0
            if align == "center":
                x = x0 + (width - int(text_width(line, size))) // 2
            ops.append(_text_op(block.kind, line, size, x, y, fill))
            y += lh
        y += t.gap_px
    flow_bottom = y
    if bottom is not None:
        ops.extend(_bottom_row(badge, t, bottom, flow_bottom))
    return ops


def _block_text(kind: str, badge: BadgeData, lang: str) -> str:
    zh_first = lang.startswith("zh")
    if kind == "site":
        a, b = badge.site_name_zh, badge.site_name_en
        names = [n for n in ((a, b) if zh_first else (b, a)) if n]
        return "  ".join(dict.fromkeys(names))
    if kind == "name":
        return badge.visitor_name
    if kind == "company":
        return badge.company
    if kind == "host":
        return f"{_labels('badge.host', lang)}: {badge.host_name}" if badge.host_name else ""
    if kind == "destination":
        if not (badge.floor or badge.room):
            return ""
        where = translate(
            "badge.destination_value", lang, floor=badge.floor or "-", room=badge.room or "-"
        )
        return f"{_labels('badge.destination', lang)}: {where}"
    if kind == "direction":
        return badge.direction
    if kind == "purpose":
        return _labels(f"badge.purpose.{badge.purpose}", lang)
    return ""


def _bottom_row(badge: BadgeData, t: Template, block: Block, flow_bottom: int) -> list[DrawOp]:
    ops: list[DrawOp] = []
    qr_px = int(block.get("qr_px", 320))
    photo_px = int(block.get("photo_px", 0))
    size = block.size
    width = t.width_px - 2 * t.margin_px
    lang = badge.language
    lines = [
        _labels(f"badge.purpose.{badge.purpose}", lang),
        f"{_labels('badge.date', lang)}: {badge.issued_at.strftime('%Y-%m-%d')}",
        _labels("badge.valid_until", lang) + ":",
        _fmt_time(badge.valid_until, badge.valid_until.date() != badge.issued_at.date()),
    ]
    side_w = width - qr_px - t.gap_px
    stacked = side_w < int(size * 6)
    lh = _line_height(size)
    if stacked:  # a narrow badge: QR centred, the text under it
        text_h = len(lines) * lh
        row_h = qr_px + t.gap_px + text_h
    else:
        photo_h = photo_px + t.gap_px if badge.photo and photo_px else 0
        row_h = max(qr_px, photo_h + len(lines) * lh)
    top = (
        flow_bottom if t.height_px is None else max(flow_bottom, t.height_px - t.margin_px - row_h)
    )
    if stacked:
        qx = t.margin_px + (width - qr_px) // 2
        ops.append(
            DrawOp(
                "qr",
                (qx, top),
                box=(qx, top, qx + qr_px, top + qr_px),
                image=qr_image(badge.token, qr_px),
            )
        )
        y = top + qr_px + t.gap_px
        text_x = t.margin_px
        text_w = width
    else:
        qx = t.margin_px
        ops.append(
            DrawOp(
                "qr",
                (qx, top),
                box=(qx, top, qx + qr_px, top + qr_px),
                image=qr_image(badge.token, qr_px),
            )
        )
        text_x = qx + qr_px + t.gap_px
        text_w = side_w
        y = top
        if badge.photo and photo_px:
            photo = _photo(badge.photo, photo_px)
            if photo is not None:
                ops.append(
                    DrawOp(
                        "photo",
                        (text_x, y),
                        image=photo,
                        box=(text_x, y, text_x + photo.width, y + photo.height),
                    )
                )
                y += photo_px + t.gap_px
    for line in lines:
        fitted_size, fitted = fit_text(
            line, width=text_w, max_size=size, min_size=max(10, int(size * 0.7)), max_lines=1
        )
        ops.append(_text_op("dates", fitted[0], fitted_size, text_x, y, t.ink))
        y += lh
    return ops


def _photo(data: bytes, px: int) -> Image.Image | None:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            rgb = opened.convert("RGB")
        side = min(rgb.size)
        left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
        return rgb.crop((left, top, left + side, top + side)).resize((px, px))
    except (OSError, ValueError):
        return None  # a broken photo never stops a badge


def place_badge(badge: BadgeData, template: Template) -> tuple[list[DrawOp], int]:
    """Lay out, shrinking the name when a fixed-height label would overflow."""
    cap = 0
    while True:
        ops = layout_badge(badge, template, name_cap=cap)
        content_bottom = max((op.box[3] for op in ops), default=0)
        if template.height_px is None:
            return ops, content_bottom + template.margin_px
        flow = [op for op in ops if op.kind not in ("qr", "photo", "dates")]
        row = [op for op in ops if op.kind in ("qr", "photo", "dates")]
        flow_bottom = max((op.box[3] for op in flow), default=0)
        row_top = min((op.box[1] for op in row), default=template.height_px)
        fits = content_bottom <= template.height_px - template.margin_px // 2
        if (fits and flow_bottom <= row_top) or cap == 12:
            return ops, template.height_px
        name_sizes = [op.size for op in ops if op.kind == "name"]
        cap = int((min(name_sizes) if name_sizes else 12) * 0.85)
        if cap <= 12:
            cap = 12

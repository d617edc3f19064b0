"""Badge rendering: ``render_badge(badge, template) -> PIL.Image``, a pure function.

A badge is laid out from a template (a JSON data file in ``kiosk/assets/badges/``, format in
``docs/badges.md``): a column of blocks (site name, the "访客 VISITOR" band coloured by purpose,
the visitor's name, company, host, destination, direction) flowing from the top, and a bottom row
with the QR code, the photo and the dates. The name is fitted to the width and never clipped:
it shrinks, then wraps to two lines, and only a name too long for two lines at the smallest size
ends in "…". Every other line shrinks a little, then ends in "…".

Glyphs come from Noto Sans SC (``pylopdf_fonts_zh_cn``); characters it lacks (Arabic, some
symbols, emoji) fall back, character by character, to DejaVu Sans or WenQuanYi when installed.
A character no font has is drawn as the primary font's empty box: rendering never fails.

This module reads font and template files and nothing else; it never touches the store, the
network or a printer.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import qrcode
import qrcode.constants
from PIL import Image, ImageColor, ImageDraw, ImageFont

from kiosk.core.config.assets import ASSETS_DIR
from kiosk.core.config.i18n import translate

TEMPLATES_DIR = ASSETS_DIR / "badges"
TEMPLATE_FORMAT = "lobby-kiosk-badge-template/1"
ELLIPSIS = "…"


# -- values ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BadgeData:
    """Everything printed on one badge. Times are already in the site's local time zone."""

    site_name_zh: str
    site_name_en: str
    visitor_name: str
    token: str
    issued_at: datetime
    valid_until: datetime
    company: str = ""
    host_name: str = ""
    floor: str = ""
    room: str = ""
    #: one line from the directions feature ("乘左侧电梯到 8 层，出梯右转")
    direction: str = ""
    purpose: str = "meeting"
    #: PNG/JPEG bytes of the visitor's photo, if one was taken
    photo: bytes | None = None
    language: str = "zh_CN"


@dataclass(frozen=True, slots=True)
class Block:
    kind: str
    size: int = 32
    min_size: int = 0
    max_lines: int = 1
    height: int = 0
    extra: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.extra).get(key, default)


@dataclass(frozen=True, slots=True)
class Template:
    """A badge layout, loaded from a JSON file (see docs/badges.md)."""

    name: str
    dpi: int
    width_px: int
    #: None for continuous media: the badge is as tall as its content
    height_px: int | None
    page_mm: tuple[float, float | None]
    margin_px: int
    gap_px: int
    blocks: tuple[Block, ...]
    purpose_colours: tuple[tuple[str, str], ...]
    ink: str = "#000000"
    muted: str = "#444444"
    band_text: str = "#FFFFFF"
    monochrome: bool = False
    #: CUPS ``media`` option for this label (``Custom.62x100mm``)
    cups_media: str = ""
    #: brother_ql label identifier (``62x100``, ``62``)
    brother_ql_label: str = ""
    description: str = ""

    def colour_for(self, purpose: str) -> str:
        colours = dict(self.purpose_colours)
        if self.monochrome:
            return self.ink
        return colours.get(purpose) or colours.get("other") or self.ink


def load_template(name_or_path: str | Path) -> Template:
    """A template by name (``label_62x100``) from the assets folder, or from a file path."""
    path = Path(name_or_path)
    if path.suffix != ".json":
        path = TEMPLATES_DIR / f"{name_or_path}.json"
    return _load_template(path.resolve())


@cache
def _load_template(path: Path) -> Template:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: cannot read the badge template: {e}") from e
    if data.get("format") != TEMPLATE_FORMAT:
        raise ValueError(f"{path}: not a badge template (format {TEMPLATE_FORMAT!r} expected)")
    known = {"kind", "size", "min_size", "max_lines", "height"}
    blocks = tuple(
        Block(
            kind=b["kind"],
            size=int(b.get("size", 32)),
            min_size=int(b.get("min_size", 0)),
            max_lines=int(b.get("max_lines", 1)),
            height=int(b.get("height", 0)),
            extra=tuple(sorted((k, v) for k, v in b.items() if k not in known)),
        )
        for b in data["blocks"]
    )
    colours = data.get("colours", {})
    page = data["page_mm"]
    return Template(
        name=data["name"],
        dpi=int(data["dpi"]),
        width_px=int(data["width_px"]),
        height_px=int(data["height_px"]) if data.get("height_px") else None,
        page_mm=(float(page[0]), float(page[1]) if page[1] else None),
        margin_px=int(data.get("margin_px", 20)),
        gap_px=int(data.get("gap_px", 8)),
        blocks=blocks,
        purpose_colours=tuple(sorted(data.get("purpose_colours", {}).items())),
        ink=colours.get("ink", "#000000"),
        muted=colours.get("muted", "#444444"),
        band_text=colours.get("band_text", "#FFFFFF"),
        monochrome=bool(data.get("monochrome", False)),
        cups_media=data.get("cups_media", ""),
        brother_ql_label=data.get("brother_ql_label", ""),
        description=data.get("description", ""),
    )


def template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.json"))


# -- fonts -------------------------------------------------------------------------------------
def _font_candidates() -> list[Path]:
    found: list[Path] = []
    try:
        import pylopdf_fonts_zh_cn

        found.append(Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf")
    except ImportError:  # pragma: no cover - a dependency, but never crash a badge over it
        pass
    for candidate in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
    ):
        found.append(Path(candidate))
    return [p for p in found if p.exists()]


@cache
def font_chain() -> tuple[str, ...]:
    """Font files in fallback order: Noto Sans SC first."""
    return tuple(str(p) for p in _font_candidates())


@lru_cache(maxsize=512)
def _font(index: int, size: int) -> ImageFont.FreeTypeFont:
    chain = font_chain()
    if not chain:
        default = ImageFont.load_default(size)
        assert isinstance(default, ImageFont.FreeTypeFont)
        return default
    return ImageFont.truetype(chain[index], size)


def _mask_signature(font: Any, text: str) -> tuple[Any, bytes]:
    mask = font.getmask(text)
    return mask.size, bytes(mask)


@lru_cache(maxsize=8)
def _notdef(index: int) -> tuple[Any, bytes]:
    return _mask_signature(_font(index, 40), "\U0010fffd")


@lru_cache(maxsize=65536)
def font_index_for(ch: str) -> int:
    """The first font in the chain with a real glyph for ``ch`` (0 if none has one)."""
    chain = font_chain()
    if ch.isspace() or ord(ch) < 0x80 or len(chain) <= 1:
        return 0
    for index in range(len(chain)):
        try:
            if _mask_signature(_font(index, 40), ch) != _notdef(index):
                return index
        except (OSError, ValueError):
            continue
    return 0


def _runs(text: str) -> list[tuple[str, int]]:
    """Split ``text`` into runs that one font draws; combining marks stay with their base."""
    runs: list[tuple[str, int]] = []
    for ch in text:
        index = font_index_for(ch)
        if runs and (runs[-1][1] == index or _joins(ch)):
            runs[-1] = (runs[-1][0] + ch, runs[-1][1])
        else:
            runs.append((ch, index))
    return runs


def _joins(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch) in ("Mn", "Me", "Cf") or 0xFE00 <= ord(ch) <= 0xFE0F


@lru_cache(maxsize=8192)
def _run_metrics(run: str, index: int, size: int) -> tuple[float, int, int]:
    """Advance, ink left and ink right of one run drawn from the origin (baseline anchor)."""
    font = _font(index, size)
    x1, _y1, x2, _y2 = font.getbbox(run, anchor="ls")
    return font.getlength(run), int(x1), int(x2)


def _extent(text: str, size: int) -> tuple[float, float]:
    """Leftmost and rightmost point (ink or advance) of ``text`` drawn from x = 0."""
    left, right, cursor = 0.0, 0.0, 0.0
    for run, index in _runs(text):
        advance, x1, x2 = _run_metrics(run, index, size)
        left = min(left, cursor + x1)
        right = max(right, cursor + x2, cursor + advance)
        cursor += advance
    return left, right


def text_width(text: str, size: int) -> float:
    """Width ``text`` covers, ink overhangs included (so nothing pokes past a margin)."""
    left, right = _extent(text, size)
    return right - left


# -- fitting -----------------------------------------------------------------------------------
def _clean(text: str) -> str:
    """One line of printable text: control characters and line breaks become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _wrap(text: str, size: int, width: int) -> list[str]:
    """Greedy line breaking: at the last space that fits, else between any two characters."""
    lines: list[str] = []
    rest = text
    while rest:
        if text_width(rest, size) <= width:
            lines.append(rest)
            break
        # longest prefix that fits (binary search on the character count)
        lo, hi = 1, len(rest)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if text_width(rest[:mid], size) <= width:
                lo = mid
            else:
                hi = mid - 1
        cut = lo
        space = rest.rfind(" ", 0, cut + 1)
        if space > 0 and rest[cut : cut + 1] != " " and space > cut // 2:
            cut = space
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return lines or [""]


def _ellipsize(text: str, size: int, width: int) -> str:
    if text_width(text, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid].rstrip() + ELLIPSIS, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS


def fit_text(
    text: str, *, width: int, max_size: int, min_size: int, max_lines: int
) -> tuple[int, list[str]]:
    """The largest size (≤ max_size) at which ``text`` fits ``width`` in as few lines as
    possible: one line down to ``min_size``, then up to ``max_lines`` lines, then smaller
    still (to 60 % of ``min_size``); only beyond that does the last line end in "…"."""
    text = _clean(text)
    min_size = max(6, min(min_size or max_size, max_size))
    if not text:
        return max_size, [""]
    # one line: the width scales linearly with the size, so measure once and scale
    measured = text_width(text, max_size)
    size = max_size if measured <= width else int(max_size * width / measured)
    while size >= min_size:
        if text_width(text, size) <= width:
            return size, [text]
        size -= 1
    # several lines: the largest size that needs no more than max_lines
    for lines_wanted in range(2, max_lines + 1):
        lo, hi, best = min_size, max_size, 0
        while lo <= hi:
            mid = (lo + hi) // 2
            if len(_wrap(text, mid, width)) <= lines_wanted:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        if best:
            return best, _wrap(text, best, width)
    # still too long: rather smaller than missing, down to 60 % of min_size (about 2 mm)
    floor = max(6, int(min_size * 0.6))
    lo, hi, best = floor, min_size - 1, 0
    while lo <= hi:
        mid = (lo + hi) // 2
        if len(_wrap(text, mid, width)) <= max_lines:
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    if best:
        return best, _wrap(text, best, width)
    lines = _wrap(text, floor, width)
    kept = lines[: max(1, max_lines)]
    kept[-1] = _ellipsize(kept[-1] + " " + " ".join(lines[len(kept) :]), floor, width)
    return floor, kept


# -- layout ------------------------------------------------------------------------------------
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
class _Op:
    kind: str
    xy: tuple[int, int]
    text: str = ""
    size: int = 0
    fill: str = "#000000"
    box: tuple[int, int, int, int] = (0, 0, 0, 0)
    image: Image.Image | None = None


def _text_op(kind: str, text: str, size: int, x: int, top: int, fill: str) -> _Op:
    """A line whose ink starts at ``top``; the box is the real ink box of every run."""
    ascent = _font(0, size).getmetrics()[0]
    baseline = top + ascent
    # start the pen so that the ink (not the advance) begins at x
    origin = x - int(_extent(text, size)[0])
    left, right, ink_top, ink_bottom = x, x, baseline, baseline
    cursor = float(origin)
    for run, index in _runs(text):
        font = _font(index, size)
        x1, y1, x2, y2 = font.getbbox(run, anchor="ls")
        left = min(left, int(cursor + x1))
        right = max(right, int(cursor + x2) + 1)
        ink_top = min(ink_top, baseline + int(y1))
        ink_bottom = max(ink_bottom, baseline + int(y2) + 1)
        cursor += font.getlength(run)
    return _Op(kind, (origin, baseline), text, size, fill, (left, ink_top, right, ink_bottom))


def _line_height(size: int) -> int:
    ascent, descent = _font(0, size).getmetrics()
    return ascent + descent


def _labels(key: str, lang: str) -> str:
    zh = translate(key, "zh_CN")
    en = translate(key, "en")
    if zh == en:
        return zh
    return f"{zh} {en}" if lang.startswith("zh") else f"{en} {zh}"


def _fmt_time(dt: datetime, with_date: bool) -> str:
    return dt.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def layout_badge(badge: BadgeData, template: Template, *, name_cap: int = 0) -> list[_Op]:
    t = template
    lang = badge.language
    width = t.width_px - 2 * t.margin_px
    x0 = t.margin_px
    ops: list[_Op] = []
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
            ops.append(_Op("band", (0, y), fill=colour, box=(0, y, t.width_px, y + h)))
            label = _clean(_labels("badge.visitor", "zh_CN"))
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


def _bottom_row(badge: BadgeData, t: Template, block: Block, flow_bottom: int) -> list[_Op]:
    ops: list[_Op] = []
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
            _Op(
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
            _Op(
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
                    _Op(
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


@lru_cache(maxsize=64)
def qr_matrix(token: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules of ``token``, quiet zone (4 modules) included."""
    # A fixed mask pattern saves trying all eight (most of qrcode's time); any mask is valid
    # and scanners read it just as well.
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=2)
    qr.add_data(token)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


def qr_image(token: str, size_px: int) -> Image.Image:
    """A square QR image at most ``size_px`` wide, whole pixels per module, quiet zone kept."""
    matrix = qr_matrix(token)
    n = len(matrix)
    module = max(1, size_px // n)
    small = Image.frombytes(
        "L", (n, n), bytes(0 if cell else 255 for row in matrix for cell in row)
    )
    img = small.resize((n * module, n * module), Image.Resampling.NEAREST)
    if img.width == size_px:
        return img
    out = Image.new("L", (size_px, size_px), 255)
    offset = (size_px - img.width) // 2
    out.paste(img, (offset, offset))
    return out


def _place(badge: BadgeData, template: Template) -> tuple[list[_Op], int]:
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


@lru_cache(maxsize=2048)
def _sprite(run: str, index: int, size: int) -> tuple[Image.Image | None, tuple[int, int]]:
    """The ink of one run as a mask, and where it sits relative to the pen (baseline).

    Site names, the band, labels and dates are the same on every badge: drawing each once
    and pasting it afterwards keeps a badge well inside its time budget.
    """
    font = _font(index, size)
    x1, y1, x2, y2 = (int(v) for v in font.getbbox(run, anchor="ls"))
    if x2 <= x1 or y2 <= y1:
        return None, (0, 0)
    mask = Image.new("L", (x2 - x1, y2 - y1), 0)
    ImageDraw.Draw(mask).text((-x1, -y1), run, font=font, fill=255, anchor="ls")
    return mask, (x1, y1)


def render_badge_with_layout(
    badge: BadgeData, template: Template
) -> tuple[Image.Image, BadgeLayout]:
    """The badge image and where everything landed (for tests and previews)."""
    ops, height = _place(badge, template)
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
            for run, index in _runs(op.text):
                sprite, (dx, dy) = _sprite(run, index, op.size)
                if sprite is not None:
                    img.paste(colour, (round(cursor) + dx, op.xy[1] + dy), sprite)
                cursor += _run_metrics(run, index, op.size)[0]
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

"""How floor maps look: the colours, the font (Noto Sans SC), labels drawn centred on a point
(optionally on a white halo, rasterised once and reused: ``label_glyphs``) and the marker shapes
(chevrons along the route, the goal's pin, the "continue on floor 5" pill).
"""

from __future__ import annotations

import itertools
import math
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# colours: quiet plan, one strong colour for the route
BACKGROUND = (255, 255, 255)
FLOOR_FILL = (241, 243, 245)
FLOOR_EDGE = (120, 128, 136)
ROOM_FILL = (255, 255, 255)
ROOM_EDGE = (176, 184, 192)
AREA_FILL = (226, 238, 248)
TEXT = (52, 58, 64)
MUTED = (120, 128, 136)
#: an area's name ("大堂 / Lobby"): quieter than a room's number yet 7:1 on the area's blue
#: (MUTED was 3.4:1 there, under even the 4.5:1 of small text)
AREA_TEXT = (64, 72, 80)
GOAL_FILL = (255, 226, 204)
GOAL = (214, 72, 32)
ROUTE = (25, 110, 220)
#: the "continue on floor 5" pill: darker than the route, so its white text is 8.2:1 (the
#: route's blue was 4.9:1, under high contrast's 7:1)
PILL = (10, 75, 165)
HERE = (220, 40, 60)
#: text in the goal's and the kiosk's colours, dark enough for 4.5:1 on any fill they sit on
#: (the bright ones were 3.5:1 on the goal room's peach and 3.9:1 on the lobby's blue); at
#: least 7.5:1 on those fills, for high contrast's 7:1 where the map is shown small (portrait)
#: and the labels' halo is thin: "you are here" (170, 20, 40) measured 6.3:1 there
GOAL_TEXT = (135, 34, 8)
HERE_TEXT = (150, 15, 35)
START = (40, 160, 80)
ICON = (60, 70, 90)

FONT_PATH: Path | None
try:
    import pylopdf_fonts_zh_cn

    FONT_PATH = Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"
except ImportError:  # pragma: no cover - the dependency is declared in pyproject.toml
    FONT_PATH = None


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Noto Sans SC at ``size`` pixels (it has both the Chinese and the Latin glyphs)."""
    if FONT_PATH is not None and FONT_PATH.is_file():
        return ImageFont.truetype(str(FONT_PATH), size)
    return ImageFont.load_default(size)


#: where ``render_floor`` lists the labels it drew: ``image.info[LABELS]`` is a tuple of
#: (text, (left, top, right, bottom)) in the picture's pixels, so a test can find each label on
#: the screen and measure its contrast and height from the pixels there
LABELS = "labels"


class LabelledDraw(ImageDraw.ImageDraw):
    """An ImageDraw that remembers where each label went (``labels``)."""

    def __init__(self, image: Image.Image) -> None:
        super().__init__(image)
        self.labels: list[tuple[str, tuple[int, int, int, int]]] = []

    def note(self, text: str, box: tuple[float, float, float, float]) -> None:
        self.labels.append((text, (round(box[0]), round(box[1]), round(box[2]), round(box[3]))))


def _note(draw: ImageDraw.ImageDraw, text: str, box: tuple[float, float, float, float]) -> None:
    if isinstance(draw, LabelledDraw):
        draw.note(text, box)


def draw_label(
    draw: ImageDraw.ImageDraw,
    at: tuple[float, float],
    text: str,
    face: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    fill: tuple[int, int, int],
    halo: bool = False,
) -> None:
    """``text`` centred on ``at``; with ``halo``, on a white outline that keeps it readable."""
    if halo:
        left, top, mask = label_glyphs(text, face, halo_width(face))
        draw.bitmap((round(at[0] + left), round(at[1] + top)), mask, fill=BACKGROUND)
    left, top, mask = label_glyphs(text, face, 0)
    x, y = round(at[0] + left), round(at[1] + top)
    draw.bitmap((x, y), mask, fill=fill)
    _note(draw, text, (x, y, x + mask.size[0], y + mask.size[1]))


def halo_width(face: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> int:
    """The white outline's width around a label: 3 px at 36 px, in proportion at other sizes
    (a map drawn twice as large for a zoom keeps its labels' places)."""
    return max(2, round(float(getattr(face, "size", 36)) / 12))


@lru_cache(maxsize=4096)
def label_glyphs(
    text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont, stroke: int
) -> tuple[int, int, Image.Image]:
    """The rendered text as a mask, and its offset from the anchor point.

    Rasterising text (above all with a stroke) is most of a map's cost; labels repeat from one
    render to the next, so each is rasterised once.
    """
    if "\n" in text:  # a name put on two lines to fit: centred lines
        scratch = ImageDraw.Draw(Image.new("L", (1, 1)))
        box = scratch.multiline_textbbox(
            (0, 0), text, font=face, anchor="mm", align="center", stroke_width=stroke
        )
    else:
        box = face.getbbox(text, anchor="mm", stroke_width=stroke)
    left, top, right, bottom = (round(v) for v in box)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text(
        (-left, -top),
        text,
        font=face,
        fill=255,
        anchor="mm",
        align="center",
        stroke_width=stroke,
        stroke_fill=255,
    )
    return left, top, mask


def draw_chevron(
    draw: ImageDraw.ImageDraw, at: tuple[float, float], u: tuple[float, float], size: float
) -> None:
    (x, y), (ux, uy) = at, u
    tip = (x + ux * size * 0.5, y + uy * size * 0.5)
    left = (x - ux * size * 0.5 - uy * size * 0.7, y - uy * size * 0.5 + ux * size * 0.7)
    right = (x - ux * size * 0.5 + uy * size * 0.7, y - uy * size * 0.5 - ux * size * 0.7)
    draw.line([left, tip, right], fill=BACKGROUND, width=max(2, round(size / 3)))


def draw_pill(
    draw: ImageDraw.ImageDraw,
    at: tuple[float, float],
    text: str,
    face: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> None:
    """White text on a route-coloured pill (``pill_box``): readable on top of anything."""
    left, top, right, bottom = draw.textbbox(at, text, font=face, anchor="mm")
    pad = (bottom - top) * 0.35
    radius = (bottom - top) / 2 + pad
    draw.rounded_rectangle(pill_box(draw, at, text, face), radius=radius, fill=PILL)
    draw.text(at, text, font=face, fill=BACKGROUND, anchor="mm")
    _note(draw, text, (left, top, right, bottom))


def pill_box(
    draw: ImageDraw.ImageDraw,
    at: tuple[float, float],
    text: str,
    face: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> tuple[float, float, float, float]:
    """The outline of ``draw_pill``'s pill around ``text`` centred on ``at``."""
    left, top, right, bottom = draw.textbbox(at, text, font=face, anchor="mm")
    pad = (bottom - top) * 0.35
    return (left - 2 * pad, top - pad, right + 2 * pad, bottom + pad)


def draw_pin(draw: ImageDraw.ImageDraw, at: tuple[float, float], r: float) -> None:
    x, y = at
    head = (x, y - 2 * r)
    draw.polygon([(x, y), (x - r * 0.8, y - 1.6 * r), (x + r * 0.8, y - 1.6 * r)], fill=GOAL)
    draw.ellipse((head[0] - r, head[1] - r, head[0] + r, head[1] + r), fill=GOAL)
    q = r * 0.4
    draw.ellipse((head[0] - q, head[1] - q, head[0] + q, head[1] + q), fill=BACKGROUND)


def draw_route_arrows(
    draw: ImageDraw.ImageDraw, pts: list[tuple[float, float]], width: int
) -> None:
    """Chevrons along the line every few widths, and a head at its end."""
    spacing = width * 9
    carry = spacing / 2
    size = width * 1.1
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        length = math.hypot(x1 - x0, y1 - y0)
        if length < 1e-6:
            continue
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        d = max(carry, size)  # never on a corner
        while d < length - size:
            cx, cy = x0 + ux * d, y0 + uy * d
            draw_chevron(draw, (cx, cy), (ux, uy), size)
            d += spacing
        carry = d - length
    if len(pts) >= 2:
        draw.polygon(arrow_head(pts, width), fill=ROUTE)


def arrow_head(pts: list[tuple[float, float]], width: int) -> list[tuple[float, float]]:
    """The triangle at the end of a route line ``width`` wide (at least two points)."""
    (x0, y0), (x1, y1) = pts[-2], pts[-1]
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    h = width * 1.6
    return [
        (x1 + ux * h * 0.6, y1 + uy * h * 0.6),
        (x1 - ux * h - uy * h, y1 - uy * h + ux * h),
        (x1 - ux * h + uy * h, y1 - uy * h - ux * h),
    ]


def draw_you_are_here(
    draw: ImageDraw.ImageDraw,
    at: tuple[float, float],
    facing_on_screen: float,
    label_size: int,
) -> tuple[tuple[float, float, float, float], tuple[float, float]]:
    """A red dot with a cone showing which way the visitor faces; returns the box they cover
    and the side its "您在这里 / You are here" label goes best (behind the visitor)."""
    x, y = at
    r = max(9, label_size * 0.7)
    a = math.radians(facing_on_screen)
    ux, uy = math.sin(a), -math.cos(a)
    cone = [
        (x + ux * r * 2.6, y + uy * r * 2.6),
        (x - uy * r * 0.9, y + ux * r * 0.9),
        (x + uy * r * 0.9, y - ux * r * 0.9),
    ]
    draw.polygon(cone, fill=(245, 170, 180))
    draw.ellipse((x - r, y - r, x + r, y + r), fill=HERE, outline=BACKGROUND, width=3)
    xs, ys = [x - r, x + r, *(p[0] for p in cone)], [y - r, y + r, *(p[1] for p in cone)]
    return (min(xs), min(ys), max(xs), max(ys)), (-ux, -uy)

"""A floor map's words: which labels it wants, where each goes (``label_place``), drawing them.

``render_floor`` draws every shape first (fills, icons, the route and its markers) and collects the
boxes of the markers; ``label_map`` then asks for every label in order of importance — "You are
here", the goal, the room numbers (inside their rooms), the lifts', the next floor's pill, the
stairs', the landmarks', the areas' names (``Rank``) — has them placed apart from each other and off
the route, and draws them last, so nothing is ever painted over a label. A name with spaces may go
on two lines when it fits nowhere on one; a room number or a landmark that fits nowhere is left out;
the goal's, the lifts' and "You are here" never are.

Never imports Kivy; never touches the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from PIL import Image, ImageDraw, ImageFont

from kiosk.core.wayfinding.label_place import Box, Line, Placed, Pt, Wanted, place
from kiosk.core.wayfinding.map_style import (
    draw_label,
    draw_pill,
    halo_width,
    label_glyphs,
    pill_box,
)

Face = ImageFont.FreeTypeFont | ImageFont.ImageFont
Painter = Callable[[ImageDraw.ImageDraw, Placed], None]


class Rank(IntEnum):
    """The order labels get their places in: what the visitor looks for first."""

    HERE = 0
    GOAL = 1
    ROOM = 2  # only ever inside its room: placed before the labels that can move about
    LIFT = 3  # and whatever connector the route ends at
    NEXT_FLOOR = 4
    STAIRS = 5
    LANDMARK = 6
    AREA = 7


@dataclass
class MapLabels:
    """What one floor's map asks for, collected while its shapes are drawn."""

    #: (rank, label, how to draw it once placed); lower ranks are placed first
    wanted: list[tuple[Rank, Wanted, Painter]] = field(default_factory=list)
    #: boxes no label may cover: icons, markers, the pin
    obstacles: list[Box] = field(default_factory=list)
    #: the route's lines on this floor
    lines: list[Line] = field(default_factory=list)

    def text(
        self,
        rank: Rank,
        text: str,
        anchor: Pt,
        face: Face,
        fill: tuple[int, int, int],
        *,
        gap: float = 0.0,
        inside: Box | None = None,
        prefer: Pt | None = None,
        keep: bool = False,
        wrap: bool = True,
    ) -> None:
        """A label on a white halo; ``wrap``: on two lines if one fits nowhere."""
        texts = (text, *((_two_lines(text),) if wrap and " " in text.strip() else ()))
        sizes = tuple(_size(t, face) for t in texts)

        def paint(draw: ImageDraw.ImageDraw, placed: Placed) -> None:
            draw_label(draw, placed.centre, placed.text, face, fill, halo=True)

        self.wanted.append((rank, Wanted(texts, sizes, anchor, gap, inside, prefer, keep), paint))

    def pill(
        self, rank: Rank, text: str, anchor: Pt, face: Face, *, gap: float, prefer: Pt | None
    ) -> None:
        """The white-on-blue "continue on floor 5" pill: always shown."""
        x0, y0, x1, y1 = pill_box(ImageDraw.Draw(Image.new("L", (1, 1))), (0, 0), text, face)
        wanted = Wanted((text,), ((x1 - x0, y1 - y0),), anchor, gap, None, prefer, True)

        def paint(draw: ImageDraw.ImageDraw, placed: Placed) -> None:
            draw_pill(draw, placed.centre, placed.text, face)

        self.wanted.append((rank, wanted, paint))


def _size(text: str, face: Face) -> Pt:
    _, _, mask = label_glyphs(text, face, halo_width(face))
    return float(mask.size[0]), float(mask.size[1])


def _two_lines(text: str) -> str:
    """``text`` broken at the space nearest its middle."""
    words = text.split()
    best = min(
        range(1, len(words)),
        key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
    )
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def label_map(draw: ImageDraw.ImageDraw, labels: MapLabels, size: tuple[int, int]) -> None:
    """Place every label ``labels`` collected and draw those that fit (every ``keep`` one)."""
    bounds = (2.0, 2.0, size[0] - 2.0, size[1] - 2.0)
    pad = max(3.0, size[1] / 200)
    ordered = sorted(labels.wanted, key=lambda item: item[0])  # stable: ties keep their order
    wanted = [w for _, w, _ in ordered]
    for p in place(wanted, bounds, obstacles=labels.obstacles, lines=labels.lines, pad=pad):
        ordered[p.index][2](draw, p)

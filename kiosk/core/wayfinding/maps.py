"""Floor maps: one floor of the building, and the route across it, drawn to a Pillow image.

``render_floor`` is a pure function of the building, the floor, the route and the size: the map
widget only shows what it returns (and the picture says where its labels are:
``image.info["labels"]``). The map is turned so that the kiosk's facing points up, as a
visitor standing at the kiosk sees the building ("heads-up" map), and every label stays upright.
Budget: well under 50 ms per floor at screen size (see ``bench/bench_directions.py``).
Colours, the font and label drawing are in ``map_style.py``.

Never imports Kivy; never touches the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk.core.config.i18n import translate
from kiosk.core.wayfinding.label_place import Line
from kiosk.core.wayfinding.map_labels import MapLabels, Rank, label_map
from kiosk.core.wayfinding.map_style import (
    AREA_FILL,
    AREA_TEXT,
    BACKGROUND,
    FLOOR_EDGE,
    FLOOR_FILL,
    GOAL,
    GOAL_FILL,
    GOAL_TEXT,
    HERE_TEXT,
    ICON,
    LABELS,
    MUTED,
    ROOM_EDGE,
    ROOM_FILL,
    ROUTE,
    START,
    TEXT,
    LabelledDraw,
    arrow_head,
    draw_pin,
    draw_route_arrows,
    draw_you_are_here,
    font,
)
from kiosk.core.wayfinding.model import Building, Kind, Point
from kiosk.core.wayfinding.routes import Route

#: the labels' font size on a map 800 px high (scaled with the picture's height)
LABEL_PX = 36


@dataclass(frozen=True, slots=True)
class FloorTransform:
    """Plan metres → image pixels: turn by ``-rotation`` degrees, then scale and shift."""

    rotation: float
    scale: float
    dx: float
    dy: float

    def to_pixel(self, point: Point) -> tuple[float, float]:
        x, y = point
        a = math.radians(-self.rotation)
        c, s = math.cos(a), math.sin(a)
        return (
            (x * c - y * s) * self.scale + self.dx,
            (x * s + y * c) * self.scale + self.dy,
        )


def floor_transform(
    building: Building,
    floor_id: str,
    size: tuple[int, int],
    *,
    rotate_to_kiosk_facing: bool = True,
    margin: int = 24,
) -> FloorTransform:
    """The transform ``render_floor`` uses: the whole floor fits ``size`` below the title band,
    turned so the kiosk's facing points up if asked."""
    header = _header(size)
    floor = building.floor_by_id[floor_id]
    points = list(floor.outline)
    if floor.image_bounds:
        x0, y0, x1, y1 = floor.image_bounds
        points += [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    points += [w.point for w in building.waypoints_on(floor_id)]
    rotation = building.kiosk.facing if rotate_to_kiosk_facing else 0.0
    turned = FloorTransform(rotation, 1.0, 0.0, 0.0)
    xs, ys = zip(*(turned.to_pixel(p) for p in points), strict=True)
    width, height = max(xs) - min(xs) or 1.0, max(ys) - min(ys) or 1.0
    w, h = size[0] - 2 * margin, size[1] - 2 * margin - header
    scale = max(1e-6, min(w / width, h / height))
    dx = margin + (w - width * scale) / 2 - min(xs) * scale
    dy = margin + header + (h - height * scale) / 2 - min(ys) * scale
    return FloorTransform(rotation, scale, dx, dy)


def render_floor(
    building: Building,
    floor_id: str,
    route: Route | None = None,
    *,
    size: tuple[int, int] = (1024, 768),
    lang: str = "zh_CN",
    rotate_to_kiosk_facing: bool = True,
    title: bool = True,
) -> Image.Image:
    """One floor: outline, rooms with numbers, elevators and stairs, landmarks, the route.

    The route's part on this floor is a thick line with arrows, from a start marker (or "you are
    here" at the kiosk) to the goal, or to the elevator/stairs where it continues. ``title``
    False leaves the floor's name out (the kiosk's screen says it above the map already).
    """
    floor = building.floor_by_id[floor_id]
    header = _header(size)
    t = floor_transform(building, floor_id, size, rotate_to_kiosk_facing=rotate_to_kiosk_facing)
    image = Image.new("RGB", size, BACKGROUND)
    if floor.image is not None and floor.image_bounds is not None:
        _background(image, floor.image, floor.image_bounds, t)
    draw = LabelledDraw(image)
    px = t.to_pixel
    k = size[1] / 800  # labels keep their share of the picture at any resolution
    # a 1200x800 map is shown at about 0.8x on the kiosk: 36 px here are a 29 px font on
    # screen, whose digits measure 22 px (tests/ui/test_tour_contrast.py), over the 20 px
    # (5 mm) asked for; labels are placed apart (map_labels.py) so they fit at that size
    label_size = round(LABEL_PX * k)
    small = font(label_size)
    labels = MapLabels()

    if floor.outline:
        draw.polygon([px(p) for p in floor.outline], fill=FLOOR_FILL, outline=FLOOR_EDGE, width=3)
    for area in building.areas_on(floor_id):
        draw.polygon([px(p) for p in area.outline], fill=AREA_FILL, outline=ROOM_EDGE)
    goal_room = route.goal.room if route is not None and route.goal.floor == floor_id else ""
    for room in building.rooms_on(floor_id):
        if not room.outline:
            continue
        is_goal = room.number == goal_room
        draw.polygon(
            [px(p) for p in room.outline],
            fill=GOAL_FILL if is_goal else ROOM_FILL,
            outline=GOAL if is_goal else ROOM_EDGE,
            width=3 if is_goal else 1,
        )
    landmarks = [
        lm for lm in building.landmarks if building.waypoint_by_id[lm.waypoint].floor == floor_id
    ]
    marks = [px(building.waypoint_by_id[lm.waypoint].point) for lm in landmarks]
    dot = max(4, label_size // 3)
    for x, y in marks:
        draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=MUTED, outline=BACKGROUND)
        labels.obstacles.append((x - dot, y - dot, x + dot, y + dot))
    ends = _route_ends(building, floor_id, route, t) if route is not None else {}
    # first in line for a place: what the visitor is looking for
    kiosk = building.waypoint_by_id.get(building.kiosk.waypoint)
    if kiosk is not None and kiosk.floor == floor_id:
        facing = building.kiosk.facing - t.rotation
        box, behind = draw_you_are_here(draw, px(kiosk.point), facing, label_size)
        labels.obstacles.append(box)
        text = translate("directions.map.you_are_here", lang)
        gap = max(9, label_size * 0.7) * 1.2
        face = font(label_size + 4)
        at = px(kiosk.point)
        labels.text(Rank.HERE, text, at, face, HERE_TEXT, gap=gap, prefer=behind, keep=True)
    _connectors(draw, building, floor_id, t, labels, small, lang, away=ends)
    if route is not None:
        _route(draw, building, floor_id, route, t, labels)
        _route_labels(draw, building, floor_id, route, t, label_size, lang, labels)
    for landmark, at in zip(landmarks, marks, strict=True):
        name = landmark.name.text(lang)
        labels.text(Rank.LANDMARK, name, at, small, TEXT, gap=dot + 2, prefer=(0.0, 1.0))
    for room in building.rooms_on(floor_id):
        if room.centre is not None and room.number != goal_room:  # the goal's is at its pin
            walls = _bbox([px(p) for p in room.outline]) if room.outline else None
            at = px(room.centre)
            labels.text(Rank.ROOM, room.number, at, small, TEXT, inside=walls, wrap=False)
    named = {lm.name.text(lang) for lm in landmarks}
    for area in building.areas_on(floor_id):
        if area.name.text(lang) not in named:
            walls = _bbox([px(p) for p in area.outline])
            at = px(_mean(area.outline))
            labels.text(Rank.AREA, area.name.text(lang), at, small, AREA_TEXT, inside=walls)

    if title:
        face = font(max(14, header * 2 // 3))
        at = (12, header // 2 + 4)
        draw.text(at, floor.name.text(lang), font=face, fill=TEXT, anchor="lm")
        box = draw.textbbox(at, floor.name.text(lang), face, "lm")
        draw.note(floor.name.text(lang), box)
        labels.obstacles.append(box)
    # the words last, placed apart and off the route: nothing is drawn over them
    label_map(draw, labels, size)
    image.info[LABELS] = tuple(draw.labels)
    return image


def _header(size: tuple[int, int]) -> int:
    """Height of the band at the top that holds the floor's name."""
    return max(28, size[1] // 14)


def _bbox(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _mean(points: tuple[Point, ...]) -> Point:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def _background(
    image: Image.Image, path: Path, bounds: tuple[float, float, float, float], t: FloorTransform
) -> None:
    """Paint the floor's plan image, turned and scaled like the vectors."""
    with Image.open(path) as raw:
        plan = raw.convert("RGB")
    x0, y0, x1, y1 = bounds
    sx, sy = plan.width / (x1 - x0), plan.height / (y1 - y0)
    # output pixel → plan metres (inverse of to_pixel) → plan image pixel
    a = math.radians(t.rotation)
    c, s = math.cos(a), math.sin(a)
    k = 1.0 / t.scale
    # metres = R(+rotation) · ((pixel - d) / scale)
    m00, m01 = c * k, -s * k
    m10, m11 = s * k, c * k
    off_x = -(m00 * t.dx + m01 * t.dy)
    off_y = -(m10 * t.dx + m11 * t.dy)
    coeffs = (
        m00 * sx,
        m01 * sx,
        (off_x - x0) * sx,
        m10 * sy,
        m11 * sy,
        (off_y - y0) * sy,
    )
    turned = plan.transform(
        image.size,
        Image.Transform.AFFINE,
        coeffs,
        resample=Image.Resampling.BILINEAR,
        fillcolor=BACKGROUND,
    )
    image.paste(turned)


def _connectors(
    draw: ImageDraw.ImageDraw,
    building: Building,
    floor_id: str,
    t: FloorTransform,
    labels: MapLabels,
    face: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    lang: str,
    *,
    away: dict[tuple[int, int], tuple[float, float]],
) -> None:
    """A small icon at every elevator, stairs and escalator stop on this floor, and its name
    (a lift's always shown; where the route ends at it, on the far side from where the route
    comes in)."""
    r = max(7, round(t.scale * 0.9))
    for c in building.connections:
        if not c.kind.vertical:
            continue
        for stop in c.path:
            w = building.waypoint_by_id[stop]
            if w.floor != floor_id:
                continue
            x, y = t.to_pixel(w.point)
            labels.obstacles.append((x - r, y - r, x + r, y + r))
            if c.name is not None:
                prefer = away.get((round(x), round(y)), (0.0, 1.0))
                keep = c.kind is Kind.ELEVATOR or (round(x), round(y)) in away
                name = c.name.text(lang)
                rank = Rank.LIFT if keep else Rank.STAIRS
                labels.text(rank, name, (x, y), face, ICON, gap=r + 2, prefer=prefer, keep=keep)
            draw.rounded_rectangle((x - r, y - r, x + r, y + r), radius=r // 3, fill=ICON)
            if c.kind is Kind.ELEVATOR:
                h = r * 0.45
                draw.polygon([(x, y - r + 3), (x - h, y - 2), (x + h, y - 2)], fill=BACKGROUND)
                draw.polygon([(x, y + r - 3), (x - h, y + 2), (x + h, y + 2)], fill=BACKGROUND)
            elif c.kind is Kind.STAIRS:
                q = r * 0.5
                steps = [
                    (x - r + 3, y + q),
                    (x - q, y + q),
                    (x - q, y),
                    (x, y),
                    (x, y - q),
                    (x + q, y - q),
                    (x + q, y - r + 3),
                ]
                draw.line(steps, fill=BACKGROUND, width=max(2, r // 5))
            else:
                draw.line(
                    [(x - r + 3, y + r - 3), (x + r - 3, y - r + 3)],
                    fill=BACKGROUND,
                    width=max(2, r // 4),
                )


def _route_ends(
    building: Building, floor_id: str, route: Route, t: FloorTransform
) -> dict[tuple[int, int], tuple[float, float]]:
    """Pixel → the unit direction the route's line arrives at it from (its ends only)."""
    ends: dict[tuple[int, int], tuple[float, float]] = {}
    for line in route.polylines(building, floor_id):
        pts = [t.to_pixel(p) for p in line]
        for (x0, y0), (x1, y1) in ((pts[1], pts[0]), (pts[-2], pts[-1])) if len(pts) > 1 else ():
            length = math.hypot(x1 - x0, y1 - y0) or 1.0
            ends[(round(x1), round(y1))] = ((x1 - x0) / length, (y1 - y0) / length)
    return ends


def _route(
    draw: ImageDraw.ImageDraw,
    building: Building,
    floor_id: str,
    route: Route,
    t: FloorTransform,
    labels: MapLabels,
) -> None:
    """The route's part on this floor: a thick line with arrows pointing the way."""
    width = max(6, round(t.scale * 0.7))
    for line in route.polylines(building, floor_id):
        pts = [t.to_pixel(p) for p in line]
        draw.line(pts, fill=ROUTE, width=width, joint="curve")
        draw_route_arrows(draw, pts, width)
        labels.lines.append(Line(tuple(pts), width))
        if len(pts) >= 2:  # the arrow's head is wider than the line
            head = arrow_head(pts, width)
            xs, ys = [p[0] for p in head], [p[1] for p in head]
            labels.obstacles.append((min(xs), min(ys), max(xs), max(ys)))


def _route_labels(
    draw: ImageDraw.ImageDraw,
    building: Building,
    floor_id: str,
    route: Route,
    t: FloorTransform,
    label_size: int,
    lang: str,
    labels: MapLabels,
) -> None:
    """Start and goal markers, and where the route leaves this floor for the next one."""
    lines = route.polylines(building, floor_id)
    r = max(6, round(t.scale * 0.7)) + 4
    start = building.waypoint_by_id[route.start.waypoint]
    if start.floor == floor_id and route.start.waypoint != building.kiosk.waypoint:
        x, y = t.to_pixel(start.point)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=START, outline=BACKGROUND, width=3)
        labels.obstacles.append((x - r, y - r, x + r, y + r))
    for line in lines:  # where the walker comes out of an elevator or a staircase
        if line[0] != start.point or start.floor != floor_id:
            x, y = t.to_pixel(line[0])
            draw.ellipse((x - r, y - r, x + r, y + r), outline=START, width=max(3, r // 3))
            labels.obstacles.append((x - r, y - r, x + r, y + r))
    goal = building.waypoint_by_id[route.goal.waypoint]
    if goal.floor == floor_id:
        x, y = t.to_pixel(goal.point)
        pin = r + 4
        draw_pin(draw, (x, y), pin)
        labels.obstacles.append((x - pin, y - 3 * pin, x + pin, y))
        # above the pin's head (its top is 3 radii above the point), else beside it
        head = (x, y - 2 * pin)
        face = font(label_size + 4)
        text = route.goal.label(lang)
        up = (0.0, -1.0)
        labels.text(Rank.GOAL, text, head, face, GOAL_TEXT, gap=pin + 2, prefer=up, keep=True)
    # where the walk on this floor ends at an elevator/stairs: say which floor comes next
    floors = route.floors
    for i, fid in enumerate(floors[:-1]):
        visit = floors[:i].count(floor_id)
        if fid == floor_id and visit < len(lines) and len(lines[visit]) >= 2:
            (x0, y0), (x, y) = (t.to_pixel(p) for p in lines[visit][-2:])
            length = math.hypot(x - x0, y - y0) or 1.0
            label = translate(
                "directions.floor", lang, label=building.floor_by_id[floors[i + 1]].label
            )
            text = translate("directions.map.continue_on", lang, floor=label)
            # beyond the lift's or stairs' name, which goes on this side of its icon first
            way = ((x - x0) / length, (y - y0) / length)
            face = font(max(14, label_size + 2))
            labels.pill(Rank.NEXT_FLOOR, text, (x, y), face, gap=r + 1.6 * label_size, prefer=way)

"""A small two-floor building, as decoded JSON, for routing, validation and map tests.

Floor 1 (y grows down, metres)::

    s1(0,0)                           C(20,0)=elevator stop e1
      |                                 |
    n(0,5)                            c1(20,5)  ── 107 east of the door; 109 behind a step
      |                                 |
    K(0,10) ─ a1(5,10) ─ a2(10,10) ─ a3(15,10) ─ B(20,10)  (Reception at B)
              101/102     103/104     105
    north rooms 101, 103, 105 (odd, left when walking east); south rooms 102, 104.

The kiosk stands at K looking east (facing 90). A staff-only door joins K and C directly.
Stairs A: s1 → s2; Elevator 1: e1 → e2. Floor 2: s2(0,0) ─ m(10,0) ─ e2(20,0), room 201 south of m.
"""

from __future__ import annotations

import copy
from typing import Any


def _rect(cx: float, cy: float) -> list[list[float]]:
    return [[cx - 2, cy - 1.5], [cx + 2, cy - 1.5], [cx + 2, cy + 1.5], [cx - 2, cy + 1.5]]


TINY: dict[str, Any] = {
    "format": "lobby-kiosk-building/1",
    "site": "tiny",
    "name_zh": "小楼",
    "name_en": "Tiny house",
    "kiosk": {"waypoint": "K", "facing": 90},
    "floors": [
        {
            "id": "1",
            "level": 1,
            "label": "1",
            "name_zh": "1楼",
            "name_en": "Floor 1",
            "outline": [[-3, -3], [26, -3], [26, 15], [-3, 15]],
        },
        {
            "id": "2",
            "level": 2,
            "label": "2",
            "name_zh": "2楼",
            "name_en": "Floor 2",
            "outline": [[-3, -3], [26, -3], [26, 15], [-3, 15]],
        },
    ],
    "waypoints": [
        {"id": "K", "floor": "1", "x": 0, "y": 10},
        {"id": "a1", "floor": "1", "x": 5, "y": 10},
        {"id": "a2", "floor": "1", "x": 10, "y": 10},
        {"id": "a3", "floor": "1", "x": 15, "y": 10},
        {"id": "B", "floor": "1", "x": 20, "y": 10},
        {"id": "c1", "floor": "1", "x": 20, "y": 5},
        {"id": "C", "floor": "1", "x": 20, "y": 0},
        {"id": "n", "floor": "1", "x": 0, "y": 5},
        {"id": "s1", "floor": "1", "x": 0, "y": 0},
        {"id": "r109", "floor": "1", "x": 17, "y": 5},
        {"id": "s2", "floor": "2", "x": 0, "y": 0},
        {"id": "m", "floor": "2", "x": 10, "y": 0},
        {
            "id": "e2",
            "floor": "2",
            "x": 20,
            "y": 0,
            "name_zh": "电梯厅",
            "name_en": "the lift hall",
        },
    ],
    "connections": [
        {"kind": "corridor", "path": ["K", "a1", "a2", "a3", "B", "c1", "C"]},
        {"kind": "corridor", "path": ["K", "n", "s1"]},
        {"kind": "corridor", "path": ["s2", "m", "e2"]},
        {
            "id": "step-109",
            "kind": "door",
            "path": ["c1", "r109"],
            "restriction": "stepped",
            "name_zh": "侧门",
            "name_en": "the side door",
        },
        {"id": "staff", "kind": "door", "path": ["K", "C"], "restriction": "staff"},
        {
            "id": "stairs-a",
            "kind": "stairs",
            "name_zh": "A座楼梯",
            "name_en": "Stairs A",
            "path": ["s1", "s2"],
        },
        {
            "id": "elevator-1",
            "kind": "elevator",
            "name_zh": "1号电梯",
            "name_en": "Elevator 1",
            "path": ["C", "e2"],
        },
    ],
    "rooms": [
        {"number": "101", "waypoint": "a1", "outline": _rect(5, 7)},
        {"number": "102", "waypoint": "a1", "outline": _rect(5, 13)},
        {"number": "103", "waypoint": "a2", "outline": _rect(10, 7)},
        {"number": "104", "waypoint": "a2", "outline": _rect(10, 13)},
        {
            "number": "105",
            "waypoint": "a3",
            "outline": _rect(15, 7),
            "name_zh": "会议室",
            "name_en": "Meeting room",
        },
        {"number": "107", "waypoint": "c1", "centre": [23, 5]},
        {"number": "109", "waypoint": "r109", "centre": [16, 5]},
        {"number": "201", "waypoint": "m", "outline": _rect(10, 3)},
    ],
    "landmarks": [
        {"id": "reception", "waypoint": "B", "name_zh": "前台", "name_en": "Reception"},
    ],
    "departments": {"sales": "105", "stock": "107"},
}


def tiny() -> dict[str, Any]:
    """A fresh deep copy, safe to break in a test."""
    return copy.deepcopy(TINY)

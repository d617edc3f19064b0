"""The two inputs of a badge: ``BadgeData`` (what is printed on it) and ``Template`` (how it
is laid out), a JSON data file in ``kiosk/assets/badges/`` (format in ``docs/badges.md``) read
by ``load_template``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from kiosk.core.config.assets import ASSETS_DIR

TEMPLATES_DIR = ASSETS_DIR / "badges"
TEMPLATE_FORMAT = "lobby-kiosk-badge-template/1"


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

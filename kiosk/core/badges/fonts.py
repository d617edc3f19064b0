"""Fonts for badges and measuring text with them.

Glyphs come from Noto Sans SC (``pylopdf_fonts_zh_cn``); characters it lacks (Arabic, some
symbols, emoji) fall back, character by character, to DejaVu Sans or WenQuanYi when installed.
A character no font has is drawn as the primary font's empty box: rendering never fails.
``font_runs`` splits a line into runs one font draws; ``text_width`` is what a line covers.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from PIL import ImageFont


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
def load_font(index: int, size: int) -> ImageFont.FreeTypeFont:
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
    return _mask_signature(load_font(index, 40), "\U0010fffd")


@lru_cache(maxsize=65536)
def font_index_for(ch: str) -> int:
    """The first font in the chain with a real glyph for ``ch`` (0 if none has one)."""
    chain = font_chain()
    if ch.isspace() or ord(ch) < 0x80 or len(chain) <= 1:
        return 0
    for index in range(len(chain)):
        try:
            if _mask_signature(load_font(index, 40), ch) != _notdef(index):
                return index
        except (OSError, ValueError):
            continue
    return 0


def font_runs(text: str) -> list[tuple[str, int]]:
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
def run_metrics(run: str, index: int, size: int) -> tuple[float, int, int]:
    """Advance, ink left and ink right of one run drawn from the origin (baseline anchor)."""
    font = load_font(index, size)
    x1, _y1, x2, _y2 = font.getbbox(run, anchor="ls")
    return font.getlength(run), int(x1), int(x2)


def text_extent(text: str, size: int) -> tuple[float, float]:
    """Leftmost and rightmost point (ink or advance) of ``text`` drawn from x = 0."""
    left, right, cursor = 0.0, 0.0, 0.0
    for run, index in font_runs(text):
        advance, x1, x2 = run_metrics(run, index, size)
        left = min(left, cursor + x1)
        right = max(right, cursor + x2, cursor + advance)
        cursor += advance
    return left, right


def text_width(text: str, size: int) -> float:
    """Width ``text`` covers, ink overhangs included (so nothing pokes past a margin)."""
    left, right = text_extent(text, size)
    return right - left

"""The CJK font of emergency mode's PDFs (the roll call, the incident record) and their
bilingual labels.

fpdf2 embeds the badges' Noto Sans SC cut to the characters a document prints, so Chinese
names print and ``pdftotext`` reads them back. Pure: no I/O but reading the font file.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.core.config.i18n import LOCALE_DIR, translate

FAMILY = "noto"


@lru_cache(maxsize=1)
def font_path() -> str:
    import pylopdf_fonts_zh_cn

    return str(Path(pylopdf_fonts_zh_cn.__file__).resolve().parent / "NotoSansSC-Regular.otf")


def both(key: str, **params: object) -> str:
    """The message in Chinese, then English: ``火警 / Fire``."""
    zh = translate(key, "zh_CN", LOCALE_DIR, **params)
    en = translate(key, "en", LOCALE_DIR, **params)
    return f"{zh} / {en}"


def add_font(pdf: Any, texts: Iterable[str]) -> None:
    """Give ``pdf`` the CJK font as ``FAMILY``, holding every character of ``texts`` (the
    font holds only the characters printed: half the time to load its 8 MB)."""
    chars = sorted({ord(c) for text in texts for c in text} | {ord(" ")})
    pdf.add_font(FAMILY, fname=font_path(), unicode_range=chars)


def shrink(pdf: object, text: str, width: float, *, size: float) -> None:
    """Set the font size at which ``text`` fits ``width`` mm: a name is made smaller, never
    cut (down to 4 pt; a longer one runs into the next column rather than lose letters)."""
    while size > 4 and pdf.get_string_width(text) > width:  # type: ignore[attr-defined]
        size -= 0.5
        pdf.set_font(FAMILY, size=size)  # type: ignore[attr-defined]


def fit(pdf: object, text: str, width: float) -> str:
    """``text`` cut to ``width`` mm with an ellipsis (company, host, place: never the name)."""
    measure = pdf.get_string_width  # type: ignore[attr-defined]
    if measure(text) <= width:
        return text
    while text and measure(text + "…") > width:
        text = text[:-1]
    return text + "…"

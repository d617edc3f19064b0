"""The CJK font of emergency mode's PDFs (the roll call, the incident record) and their
bilingual labels.

fpdf2 embeds the badges' Noto Sans SC cut to the characters a document prints, so Chinese
names print and ``pdftotext`` reads them back. Loading the whole 8 MB font and cutting it took
most of a roll call's second, every time; so a cut of it is shipped
(``kiosk/assets/fonts/NotoSansSC-GB2312.otf``, 1.9 MB: ASCII and the Latin letters, GB 2312's
6,763 characters, CJK and full-width punctuation; ``scripts/make-pdf-font`` makes it again),
and a document uses it whenever it holds every character printed, else the whole font (a rare
character in a name: slower, the same page). Pure: no I/O but reading the font files.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.core.config.i18n import LOCALE_DIR, translate

FAMILY = "noto"
#: the shipped cut of the font (``make_common_font``)
COMMON_FONT = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "NotoSansSC-GB2312.otf"


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
    """Give ``pdf`` the CJK font as ``FAMILY`` for every character of ``texts``: the shipped
    cut when it has them all, else the whole font (embedded: only the characters printed)."""
    chars = {ord(c) for text in texts for c in text} | {ord(" ")}
    pdf.add_font(FAMILY, fname=font_for(chars), unicode_range=sorted(chars))
    # fontTools would redraw every embedded glyph on save to recompute the bounding boxes
    # (a third of the time): the cut font's boxes hold the document's glyphs already
    pdf.fonts[FAMILY].ttfont.recalcBBoxes = False


def finish(pdf: Any) -> bytes:
    """The document's bytes, and the font file closed (fontTools reads it lazily)."""
    try:
        return bytes(pdf.output())
    finally:
        for font in pdf.fonts.values():
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.close()


def font_for(chars: set[int]) -> str:
    """The font file to embed ``chars`` from: the shipped cut when it holds them all."""
    return str(COMMON_FONT) if chars <= common_chars() else font_path()


@lru_cache(maxsize=1)
def common_chars() -> frozenset[int]:
    """The characters the shipped cut holds (none when it is missing)."""
    from fontTools.ttLib import TTFont

    if not COMMON_FONT.exists():
        return frozenset()
    with TTFont(str(COMMON_FONT), lazy=True) as font:
        return frozenset(font.getBestCmap())


def repertoire() -> set[int]:
    """What the shipped cut holds: printable ASCII, Latin-1 and Latin Extended-A (Müller,
    Łukasz), general punctuation, CJK symbols and punctuation, full-width forms, and every
    character GB 2312 encodes (the 6,763 of everyday Chinese names and text)."""
    ranges = ((0x20, 0x250), (0x2000, 0x2070), (0x2190, 0x2200), (0x3000, 0x3040))
    chars = {cp for low, high in (*ranges, (0xFF00, 0xFFF0)) for cp in range(low, high)}
    for cp in range(0x4E00, 0xA000):
        try:
            chr(cp).encode("gb2312")
        except UnicodeEncodeError:
            continue
        chars.add(cp)
    return chars


def make_common_font(target: Path) -> None:
    """Cut the whole font to ``repertoire()`` into ``target`` (``scripts/make-pdf-font``):
    subroutines flattened, so cutting it again per document is quick."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(
        notdef_outline=True,
        recommended_glyphs=True,
        name_IDs=["*"],
        layout_features=["*"],
        desubroutinize=True,
    )
    font = TTFont(font_path(), recalcTimestamp=False)
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=repertoire())
    cutter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(".part")
    font.save(str(part))
    part.replace(target)


def shrink(pdf: object, text: str, width: float, *, size: float) -> None:
    """Set the font size at which ``text`` fits ``width`` mm: a name is made smaller, never
    cut (down to 4 pt; a longer one runs into the next column rather than lose letters)."""
    while size > 4 and width_of(pdf, text) > width:
        size -= 0.5
        pdf.set_font(FAMILY, size=size)  # type: ignore[attr-defined]


def fit(pdf: object, text: str, width: float) -> str:
    """``text`` cut to ``width`` mm with an ellipsis (company, host, place: never the name)."""
    if width_of(pdf, text) <= width:
        return text
    while text and width_of(pdf, text + "…") > width:
        text = text[:-1]
    return text + "…"


def width_of(pdf: Any, text: str) -> float:
    """``pdf.get_string_width(text)`` for our one font, unshaped, without letter spacing or
    stretching: the sum of the characters' widths (fpdf2's own sum, without the bidi pass that
    made it a quarter of a roll call's time)."""
    widths = pdf.current_font.cw
    return sum(widths[ord(c)] for c in text) * pdf.font_size_pt * 0.001 / pdf.k

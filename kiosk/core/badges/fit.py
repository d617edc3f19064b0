"""Fitting text into a width: the largest size, then wrapping onto more lines, and an
ellipsis only when nothing else fits (``fit_text``).
"""

from __future__ import annotations

from kiosk.core.badges.fonts import text_width

ELLIPSIS = "…"


def clean_line(text: str) -> str:
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
    text = clean_line(text)
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

"""docs/accessibility.md's table of measured contrast and text heights, from the figures
tests/ui/test_tour_contrast.py keeps when ``KIOSK_ACCESS_TABLE`` is set (``scripts/access-table``
runs both and rewrites the part of the doc between the two markers).

    python -m tests.support.access_table FIGURES_STEM DOC
"""

from __future__ import annotations

import sys
from pathlib import Path

BEGIN = "<!-- measured: scripts/access-table writes this table -->"
END = "<!-- measured: end -->"
MODES = ("normal", "contrast", "large", "lowered")


def table(files: list[Path]) -> str:
    """One row per screen and mode: the lowest figures over both languages (and sizes)."""
    rows: dict[tuple[str, str], list[list[str]]] = {}
    order: list[tuple[str, str]] = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            size, name, mode, lang, *rest = line.split("\t")
            key = (name, mode)
            if key not in rows:
                rows[key] = []
                order.append(key)
            rows[key].append([size, lang, *rest])
    first = {key: i for i, key in enumerate(order)}
    order.sort(key=lambda k: (MODES.index(k[1]), first[k]))
    out = [
        "| screen | mode | texts | lowest contrast | least height | least Latin capitals "
        "| map labels: contrast, height |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, mode in order:
        found = rows[(name, mode)]
        count = sum(int(r[2]) for r in found)
        low = min(found, key=lambda r: float(r[3]))
        small = min(found, key=lambda r: int(r[5]))
        maps = [r for r in found if r[7]]
        latin = [r for r in found if len(r) > 9 and r[9]]
        caps_cell = ""
        if latin:
            least = min(latin, key=lambda r: int(r[9]))
            caps_cell = f"{least[9]} px ({least[10]!r}, {least[1]} {least[0]})"
        map_cell = ""
        if maps:
            map_cell = f"{min(float(r[7]) for r in maps):.1f}:1, {min(int(r[8]) for r in maps)} px"
        out.append(
            f"| {name} | {mode} | {count} | {float(low[3]):.1f}:1 ({low[4]!r}, {low[1]} "
            f"{low[0]}) | {small[5]} px ({small[6]!r}, {small[1]} {small[0]}) | {caps_cell} "
            f"| {map_cell} |"
        )
    return "\n".join(out)


def rewrite(doc: Path, text: str) -> None:
    body = doc.read_text(encoding="utf-8")
    head, rest = body.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    stem, doc = Path(sys.argv[1]), Path(sys.argv[2])
    files = sorted(stem.parent.glob(f"{stem.stem}-*{stem.suffix}"))
    if len(files) < 2:
        sys.exit(f"expected both languages' figures by {stem}, found {files}")
    rewrite(doc, table(files))

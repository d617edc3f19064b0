"""``python -m bench.handwriting_templates``: build kiosk/assets/ime/stroke-templates.txt from the
stroke medians of ``hanzi-writer-data`` (fetched like the ``ime_handwriting`` benchmark does).

The characters: level 1 of 通用规范汉字表 (bench/data/tongyong-level1.txt), every surname in
kiosk/assets/ime/surnames.txt and the given-name characters of kiosk/assets/ime/name-chars.txt
seen at least :data:`NAME_COUNT` times, so rare name characters (婕, 曦, 钰 …) can be written.
"""

from __future__ import annotations

import json
import sys

from bench.bench_ime import hanzi_writer_dir, level1_characters, strokes_of
from kiosk.core.input.stroke_templates import TEMPLATES, encode

NAME_COUNT = 200


def characters() -> list[str]:
    chars = list(level1_characters())
    ime = TEMPLATES.parent
    for line in (ime / "surnames.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            chars.extend(c for c in line.split()[0] if "\u4e00" <= c <= "\u9fff")
    for line in (ime / "name-chars.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        for item in line.split()[2:]:
            text, _, count = item.rpartition(":")
            if count.isdigit() and int(count) >= NAME_COUNT:
                chars.append(text)
    return list(dict.fromkeys(chars))


def main() -> int:
    data = hanzi_writer_dir()
    lines = [
        "# Stroke templates for handwriting: character, tab, strokes (8 points each, see",
        "# kiosk/core/input/stroke_templates.py). Built by python -m bench.handwriting_templates",
        "# from hanzi-writer-data 2.0.1 medians (Make Me a Hanzi; Arphic Public License).",
    ]
    for ch in characters():
        path = data / f"{ch}.json"
        if path.is_file():
            medians = json.loads(path.read_text(encoding="utf-8"))["medians"]
            lines.append(f"{ch}\t{encode(strokes_of(medians))}")
    TEMPLATES.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 3} characters -> {TEMPLATES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

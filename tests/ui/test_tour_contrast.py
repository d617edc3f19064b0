"""Contrast and text height measured over the tour's visitor screens (issue 22, "measured,
not eyeballed"): both languages at 1920x1080 and 1080x1920, every mode the tour renders
(every visitor screen normal and in high contrast, the home screen and the check-in steps in
large text and lowered too), every label, button and map label, on the screenshot's pixels:
contrast, the first line's ink height and, for Latin text, the capitals' height.

Each screen is set up by the tour's own step (kiosk/tour.py), shot once, and every text on it
measured from that one picture (tests/support/text_measure.py). With
``KIOSK_ACCESS_TABLE=<file>`` the test also writes the lowest figures per screen and mode as
a Markdown table: ``scripts/access-table`` puts it into docs/accessibility.md.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.text_measure import Text, least_caps, screen_texts

pytestmark = [pytest.mark.ui, pytest.mark.slow]

#: the visitor screens of the tour (kiosk/tour.py), each shown normal and in high contrast
SCREENS = (
    "home",
    "phone",
    "name",
    "company",
    "purpose",
    "host",
    "consent",
    "confirm",
    "done",
    "denied",
    "invite_code",
    "invitation",
    "checkout",
    "goodbye",
    "directions",
    "help",
)
#: both orientations in the one session's window (kiosk/capture.py draws the window's canvas
#: at its current size: the offscreen drawable keeps the size it was created at)
SIZES = ((1920, 1080), (1080, 1920))
#: where each run keeps its figures until the table is written (one file per orientation)
TABLE = os.environ.get("KIOSK_ACCESS_TABLE")


def _walk() -> list[tuple[str, str]]:
    from kiosk.tour_access import ACCESS_SCREENS

    walk = [(name, "normal") for name in SCREENS] + [(name, "contrast") for name in SCREENS]
    return walk + [(n, m) for m in ("large", "lowered") for n in ACCESS_SCREENS]


def _settle(kiosk: Any, ready: Any) -> None:
    if callable(ready):
        kiosk.wait_for(ready, timeout=15)
    kiosk.settle()


@pytest.mark.timeout(600)  # 24-29 s of CPU each, 50-200 s on a shared machine
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_text_of_the_tour_is_readable(kiosk, tmp_path, size, lang):
    from kivy.core.window import Window
    from PIL import Image

    from kiosk.tour import tour_steps

    app = kiosk.app
    settings = app.services.settings
    problems: list[str] = []
    rows: list[tuple[str, str, str, list[Text]]] = []
    started, cpu = time.monotonic(), time.process_time()
    caps = least_caps(size)
    with kiosk.at_size(size):
        app.services.settings = settings.replace("kiosk", default_language=lang)
        app.home()
        steps = dict(tour_steps(app))
        for name, mode in _walk():
            app.theme.reset()
            _settle(kiosk, steps[name]())
            if mode != "normal":
                app.theme.set_mode(mode, True)
            kiosk.frames(6)  # a mode's layout settles over a few frames
            shot = kiosk.screenshot(tmp_path / "shot.png")
            with Image.open(shot) as opened:
                image = opened.convert("RGB")
            texts = screen_texts(app.root, image, Window.height)
            rows.append((name, mode, lang, texts))
            for t in texts:
                need = t.needs(contrast_mode=mode == "contrast")
                least = t.least_height(Window.size)
                where = f"{lang} {name} {mode} {t.kind} {t.text[:30]!r}"
                if t.ratio < need:
                    problems.append(f"{where}: {t.ratio:.2f}:1 < {need}:1 at {t.box}")
                if t.height < least:
                    found = f"{where}: {t.height} px < {least:.0f} px at {t.box}"
                    problems.append(found)
                if t.caps is not None and t.caps < caps:
                    problems.append(f"{where}: capitals {t.caps} px < {caps:.0f} px at {t.box}")
    measured = sum(len(texts) for *_, texts in rows)
    spent, cpu = time.monotonic() - started, time.process_time() - cpu
    print(f"{measured} texts on {len(rows)} screens in {spent:.1f} s ({cpu:.1f} s of CPU)")
    assert measured >= 40 * len(rows) // 2, f"only {measured} texts on {len(rows)} screens"
    assert any(t.kind == "map" for *_, texts in rows for t in texts), "no map label measured"
    if TABLE:
        _keep(Path(TABLE), size, rows)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])


def _keep(path: Path, size: tuple[int, int], rows: list[tuple[str, str, str, list[Text]]]) -> None:
    """One line per screen, mode and language: the count, the lowest ratio, the least height,
    the map's labels' lowest ratio and least height, the least Latin capitals."""
    lines = []
    for name, mode, lang, texts in rows:
        if not texts:
            continue
        low = min(texts, key=lambda t: t.ratio / t.needs(contrast_mode=mode == "contrast"))
        small = min(texts, key=lambda t: t.height)
        maps = [t for t in texts if t.kind == "map"]
        latin = [t for t in texts if t.caps is not None]
        caps = min(latin, key=lambda t: t.caps or 0) if latin else None
        lines.append(
            "\t".join(
                (
                    f"{size[0]}x{size[1]}",
                    name,
                    mode,
                    lang,
                    str(len(texts)),
                    f"{low.ratio:.1f}",
                    low.text.replace("\n", " ")[:24],
                    str(small.height),
                    small.text.replace("\n", " ")[:24],
                    f"{min(t.ratio for t in maps):.1f}" if maps else "",
                    str(min(t.height for t in maps)) if maps else "",
                    str(caps.caps) if caps else "",
                    caps.text.replace("\n", " ")[:24] if caps else "",
                )
            )
        )
    out = path.with_name(f"{path.stem}-{size[0]}x{size[1]}-{rows[0][2]}{path.suffix}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")

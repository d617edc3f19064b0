"""The kiosk screenshots README.md shows, regenerated from ``kiosk tour``.

README.md names each kiosk shot ``docs/screenshots/<screen>[-<variant>]-<lang>-<WxH>.png``,
<screen> being the tour's PNG name (kiosk/tour.py's steps). This reads those names from
README.md, renders the tour once for each language and size they use, and copies each shot
onto its name. Images of another kind (``route-mobile.png``, shot by
tests/integration/test_building_sync_http.py) are left to what makes them, and listed.

    scripts/readme-screenshots [--check]

``--check`` renders nothing: it names every image README.md references that is missing.
Standard library only, so tests/unit/test_readme_screenshots.py imports it as it is.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SHOTS = ROOT / "docs" / "screenshots"
#: a README name's variant → the tour screen it shows (the Chinese tour's name step types
#: pinyin, so its candidates show)
VARIANTS = {("name", "pinyin"): "name"}
_IMAGE = re.compile(r"\]\((docs/screenshots/[^)\s]+\.png)\)")
_KIOSK_SHOT = re.compile(
    r"^(?P<screen>[a-z_]+)(?:-(?P<variant>[a-z]+))?-(?P<lang>zh_CN|en)-(?P<size>\d+x\d+)\.png$"
)
#: seconds one tour may take (about 45 screens; a loaded machine takes a few minutes)
TOUR_TIMEOUT = 900


@dataclass(frozen=True)
class Shot:
    """One kiosk screenshot README.md shows: the tour's screen at a language and size."""

    file: str
    screen: str
    lang: str
    size: str


def referenced(readme: Path = README) -> list[str]:
    """Every docs/screenshots image README.md references, in its order, once each."""
    seen: dict[str, None] = {}
    for path in _IMAGE.findall(readme.read_text(encoding="utf-8")):
        seen.setdefault(path, None)
    return list(seen)


def kiosk_shot(file: str) -> Shot | None:
    """The tour's screen a README image's name says, or None for an image of another kind."""
    m = _KIOSK_SHOT.match(file)
    if m is None:
        return None
    screen, variant = m["screen"], m["variant"]
    if variant is not None:
        if (screen, variant) not in VARIANTS:
            return None
        screen = VARIANTS[(screen, variant)]
    return Shot(file=file, screen=screen, lang=m["lang"], size=m["size"])


def missing(readme: Path = README) -> list[str]:
    """The images README.md references that are not in the repository."""
    return [p for p in referenced(readme) if not (ROOT / p).is_file()]


def regenerate(readme: Path = README) -> int:
    files = [Path(p).name for p in referenced(readme)]
    shots = [s for s in (kiosk_shot(f) for f in files) if s is not None]
    others = [f for f in files if kiosk_shot(f) is None]
    runs = sorted({(s.lang, s.size) for s in shots})
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="readme-shots-") as tmp:
        for lang, size in runs:
            out = Path(tmp) / f"{lang}-{size}"
            print(f"kiosk tour --size {size} --lang {lang}", flush=True)
            cmd = [sys.executable, "-m", "kiosk", "tour", "--out", str(out)]
            done = subprocess.run(
                [*cmd, "--size", size, "--lang", lang], cwd=ROOT, timeout=TOUR_TIMEOUT
            )
            if done.returncode != 0:
                print(f"  the tour at {size} {lang} missed some screens", file=sys.stderr)
            for shot in (s for s in shots if (s.lang, s.size) == (lang, size)):
                source = out / f"{shot.screen}.png"
                if not source.is_file():
                    failed.append(f"{shot.file} (no {shot.screen}.png from the tour)")
                    continue
                shutil.copyfile(source, SHOTS / shot.file)
                print(f"  {shot.file}")
    for f in others:
        print(f"not from the tour, left as it is: {f}")
    if failed:
        print("not regenerated: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only name missing images")
    args = parser.parse_args(argv)
    if args.check:
        gone = missing()
        for p in gone:
            print(f"README.md shows {p}, which does not exist", file=sys.stderr)
        return 1 if gone else 0
    return regenerate()


if __name__ == "__main__":
    sys.exit(main())

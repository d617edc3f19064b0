"""docs/accessibility.md's measured table (scripts/access-table) has a row for every screen and
mode tests/ui/test_tour_contrast.py measures, and nothing it does not measure."""

from __future__ import annotations

from pathlib import Path

from tests.support.access_table import BEGIN, END

DOC = Path(__file__).resolve().parents[2] / "docs" / "accessibility.md"


def test_the_measured_table_lists_every_screen_and_mode_of_the_contrast_test():
    from tests.ui.test_tour_contrast import _walk

    body = DOC.read_text(encoding="utf-8").split(BEGIN, 1)[1].split(END, 1)[0]
    rows = [line.split("|")[1:3] for line in body.strip().splitlines()[2:]]
    listed = {(name.strip(), mode.strip()) for name, mode in rows}
    assert listed == set(_walk()), "run scripts/access-table"

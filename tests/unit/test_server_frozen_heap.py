"""A serving process freezes the heap it has once its app is built (``cli.app_from_environment``):
full garbage collections then walk only what requests make, not the startup's objects, which
stalled every request for hundreds of milliseconds (the ``pull_empty`` p99). In a child process:
the test's own heap stays as it is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import gc
from sync.server.cli import app_from_environment
before = gc.get_freeze_count()
app = app_from_environment()
print(before, gc.get_freeze_count(), len(gc.get_objects(2)))
"""


def test_the_served_apps_startup_heap_is_out_of_the_collectors_reach(tmp_path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KIOSK_SERVER_DATABASE_URL": f"sqlite:///{tmp_path / 'ho.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    before, frozen, oldest = map(int, done.stdout.split())
    assert before == 0
    # the modules, routes and models: far more than a full collection would still walk
    assert frozen > 100_000 and oldest < frozen / 100

"""A restart loop standing in for systemd (``Restart=always``) kills the kiosk mid-check-in.

Each round starts the kiosk's own wiring (``build_services``, workers running) in a child
process that checks visitors in as fast as it can and prints each visit id once committed;
the loop SIGKILLs it at a random moment, as a watchdog timeout or a power cut would, and starts
it again. Afterwards every acknowledged check-in is in the database with its event, the print
queue has caught up with one badge per visit (nothing lost, nothing printed twice) and the
database passes SQLite's integrity check.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHILD = textwrap.dedent(
    """
    import sys, time
    from kiosk.core.config.settings import Settings
    from kiosk.core.visits.checkin import CheckinForm
    from kiosk.services import build_services

    data, mode = sys.argv[1], sys.argv[2]
    settings = Settings().replace("kiosk", data_dir=data).replace("printer", backend="file")
    services = build_services(settings, demo=True)
    host = services.records.hosts(settings.site.id)[0]
    if mode == "drain":
        deadline = time.monotonic() + 30
        waiting = lambda: services.store.pending("printer", ("visit.checked_in",))
        while time.monotonic() < deadline and waiting():
            time.sleep(0.1)
        time.sleep(1.0)
        services.stop()
        sys.exit(0)
    n = 0
    while True:
        n += 1
        form = CheckinForm(name="张伟", phone=f"138{n:08d}"[:11], purpose="meeting",
                           host_id=host.id, consent=True)
        visit = services.checkin.check_in(form).visit
        print(visit.id, flush=True)
    """
)


def _start(data: Path, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, "KIVY_NO_ARGS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def test_killed_mid_check_in_it_comes_back_and_nothing_is_lost(tmp_path) -> None:
    data = tmp_path / "kiosk"
    rng = random.Random(20)
    acknowledged: list[str] = []
    for _round in range(6):
        child = _start(data, "run")
        assert child.stdout is not None
        first = child.stdout.readline().strip()  # up and checking in
        assert first, "the kiosk did not start"
        acknowledged.append(first)
        time.sleep(rng.uniform(0.05, 0.4))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=10)
        acknowledged += [line for line in out.split() if line]
    drain = _start(data, "drain")
    drain.communicate(timeout=60)
    assert drain.returncode == 0

    with sqlite3.connect(data / "kiosk.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        visits = {r[0] for r in db.execute("SELECT id FROM visits")}
        events = {
            r[0] for r in db.execute("SELECT entity_id FROM outbox WHERE kind='visit.checked_in'")
        }
        jobs = db.execute("SELECT visit_id, count(*) FROM print_jobs GROUP BY visit_id").fetchall()
    assert len(acknowledged) > 6
    assert set(acknowledged) <= visits, "an acknowledged check-in was lost"
    assert visits == events  # every visit with its event: the outbox is intact
    assert {v for v, _ in jobs} == visits and all(n == 1 for _, n in jobs)

"""A kiosk killed at any moment loses nothing and leaves nothing half-written.

A child process checks visitors in (and some out) as fast as it can; the test kills it with
SIGKILL at random moments, again and again, on the same database. Afterwards the database
opens cleanly and every visit has its event and every event its visit.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from kiosk.core.store.database import Store
from kiosk.core.store.records import Records

CHILD = textwrap.dedent(
    """
    import itertools, random, sys
    from kiosk.core.visits.checkin import CheckinForm, CheckinService
    from kiosk.core.config.clock import SystemClock
    from kiosk.core.directory.demo import demo_directory, import_directory
    from kiosk.core.store.records import Records
    from kiosk.core.config.settings import load_settings
    from kiosk.core.store.database import Store

    path = sys.argv[1]
    settings = load_settings(environ={})
    store = Store(path, clock=SystemClock())
    records = Records(store)
    if not records.sites():
        import_directory(records, demo_directory())
    service = CheckinService(records=records, settings=settings, clock=SystemClock())
    print("ready", flush=True)
    for i in itertools.count():
        phone = "139%08d" % random.randrange(10**8)
        result = service.check_in(CheckinForm(
            name="访客%d" % i, phone=phone, purpose="meeting", host_id="h001", consent=True))
        if i % 3 == 0:
            service.check_out(result.visit.id)
    """
)


@pytest.mark.slow
def test_sigkill_at_random_moments_never_splits_a_visit_from_its_event(tmp_path):
    db = tmp_path / "kiosk.sqlite3"
    rng = random.Random(20261126)
    kills = 0
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    for _ in range(25):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == b"ready", child.stderr.read() if child.stderr else line
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.communicate()
        kills += 1
    assert kills >= 20

    store = Store(db)
    records = Records(store)
    assert store.query_one("PRAGMA integrity_check")[0] == "ok"
    visits = store.query("SELECT id, state FROM visits")
    assert len(visits) > 50, "the child should have written many visits between kills"
    events = store.query("SELECT kind, entity_id FROM outbox")
    checked_in = {e["entity_id"] for e in events if e["kind"] == "visit.checked_in"}
    checked_out = {e["entity_id"] for e in events if e["kind"] == "visit.checked_out"}
    visit_ids = {v["id"] for v in visits}
    assert checked_in == visit_ids, "every visit has its event, every event its visit"
    closed = {v["id"] for v in visits if v["state"] == "checked_out"}
    assert closed == checked_out
    for v in visits:
        visit = records.visit(v["id"])
        assert visit is not None and records.visitor(visit.visitor_id) is not None
    store.close()

"""Issue 12, item 1: one kiosk's far-future stamp must not break sync for every site.

A kiosk of site A pushes a check-in stamped ``9999999999999999990-x`` (year 2286). Head office
stores it (its visitor is real), answers with a stamp of its own wall clock, not the kiosk's,
logs an alert naming the kiosk and its offset, and another site's kiosks go on syncing. A
database poisoned before the bound existed is repaired by ``kiosk-server repair-clock``.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hostile_env import API, HostileEnv, hostile_fixture  # noqa: F401  (fixture)
from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk.core.events import HostDeleted
from kiosk.core.store.hlc import Stamp
from sync.server.changes import append_change
from sync.server.models import Change, Event, Visit
from tests.support.harness import ROOT

pytestmark = pytest.mark.integration

POISON = "9999999999999999990-x"
#: the bound the server runs with (its default, 5 minutes)
SKEW_MS = 300_000


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def test_a_far_future_stamp_is_stored_but_does_not_move_the_clock(
    hostile: HostileEnv,
) -> None:
    env = hostile
    site = env.new_site()
    attacker = env.kiosk(site, "evil")
    attacker.client.sync_once()
    visit = env.check_in(attacker, "13800000001")
    attacker.store.conn.execute("UPDATE outbox SET hlc = ? WHERE entity_id = ?", (POISON, visit.id))
    body = attacker.client.head_office.push  # the real client: gzip, token
    from sync.client import encode_push

    rows = attacker.store.outbox_rows(0, 500)
    answer = body(encode_push(rows))
    assert visit.id and answer.stored and not answer.rejected
    server_ms = Stamp.parse(answer.hlc).physical_ms
    assert abs(server_ms - _now_ms()) < SKEW_MS, answer.hlc

    # the visit is at head office; the alert names the kiosk and how far ahead it is
    rows = env.http.get(f"{API}/visits", params={"site_id": site}, headers=env.admin).json()
    assert [v["id"] for v in rows] == [visit.id]
    alert = [line for line in env.log().splitlines() if "kiosk.clock_ahead" in line]
    assert alert and attacker.kiosk_id in alert[0] and "ahead_seconds=" in alert[0], env.log()
    listed = env.http.get(f"{API}/sites/{site}/alerts", headers=env.admin).json()
    assert [(a["kind"], a["kiosk_id"]) for a in listed] == [
        ("kiosk.clock_ahead", attacker.kiosk_id)
    ]

    # every other site's kiosks keep syncing, and their clocks stay on the wall clock
    env.bystanders_sync()
    late = env.opened[-1]  # pulled the site's feed, then checks in itself
    env.check_in(late, "13800000009")
    assert late.client.sync_once().pushed == 1
    for k in env.opened[-2:]:
        stamp = k.store.conn.execute("SELECT max(hlc) FROM outbox").fetchone()[0]
        assert Stamp.parse(stamp).physical_ms < _now_ms() + SKEW_MS, stamp


def test_a_stamp_that_cannot_be_represented_is_rejected(hostile: HostileEnv) -> None:
    env = hostile
    k = env.kiosk(env.new_site(), "k")
    k.client.sync_once()
    visit = env.check_in(k, "13800000002")
    k.store.conn.execute(
        "UPDATE outbox SET hlc = '99999999999999999999-x' WHERE entity_id = ?", (visit.id,)
    )
    result = k.client.sync_once()
    assert result.rejected == 1


def test_repair_clock_restamps_changes_stamped_in_the_future(hostile: HostileEnv) -> None:
    env = hostile
    site = env.new_site()
    k = env.kiosk(site, "k")
    visit = env.check_in(k, "13800000003")
    k.store.conn.execute("UPDATE outbox SET hlc = ? WHERE entity_id = ?", (POISON, visit.id))
    k.client.sync_once()
    # what a poisoned server wrote: a change stamped with its overflowed clock
    with env.ho.sessions() as s, s.begin():
        append_change(
            s,
            site_id=site,
            change=HostDeleted(id="gone"),
            hlc="10000000000000000000-srv1",
        )
    command = [sys.executable, "-m", "sync.server.cli", "--database-url", env.url]
    dry = subprocess.run(
        [*command, "repair-clock", "--dry-run"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert "would re-stamp 2 stamps" in dry.stdout, dry.stdout
    done = subprocess.run(
        [*command, "repair-clock"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "re-stamped 2 stamps" in done.stdout, done.stdout
    limit = _now_ms() + SKEW_MS
    with env.ho.sessions() as s:
        for column in (Change.hlc, Event.hlc, Visit.state_hlc):
            for stamp in s.scalars(column.class_.__table__.select().with_only_columns(column)):
                if stamp:
                    assert Stamp.parse(stamp).physical_ms < limit, (column, stamp)
        visit_hlc = s.get(Visit, visit.id).state_hlc
        event_hlc = s.get(
            Event,
            k.store.conn.execute(
                "SELECT uuid FROM outbox WHERE entity_id = ?", (visit.id,)
            ).fetchone()[0],
        ).hlc
        assert visit_hlc == event_hlc and visit_hlc.endswith("-x")
    again = subprocess.run(
        [*command, "repair-clock"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "re-stamped 0 stamps" in again.stdout

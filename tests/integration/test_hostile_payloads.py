"""Issue 12, items 3 (server half), 4 and 8, against a real ``kiosk-server`` on SQLite and on
PostgreSQL: poison payloads, inputs that were 500s, and a kiosk reaching into another site.

Each attack asserts what the attacker gets and what the rest keep: the site's other kiosk
still applies every page of the feed (a watchlist entry added afterwards arrives), and another
site's kiosks still sync every event.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest
from hostile_env import API, HostileEnv, hostile_fixture  # noqa: F401  (fixture)
from pg_fixture import postgres  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration


def _tamper(k, visit_id: str, change) -> None:
    """Rewrite the kiosk's own outbox row for ``visit_id`` (a hostile kiosk's push)."""
    row = k.store.conn.execute(
        "SELECT seq, open_field(payload, 'outbox', 'payload') AS payload "
        "FROM outbox WHERE entity_id = ?",
        (visit_id,),
    ).fetchone()
    payload = json.loads(row["payload"])
    change(payload)
    k.store.conn.execute(
        "UPDATE outbox SET payload = ? WHERE seq = ?", (json.dumps(payload), row["seq"])
    )


POISONS = {
    "category object": lambda p: p["visitor"].update(category={"a": 1}),
    "category list": lambda p: p["visitor"].update(category=[1, 2]),
    "category 10^30": lambda p: p["visitor"].update(category=10**30),
    "name of 201 characters": lambda p: p["visitor"].update(name="名" * 201),
    "purpose number": lambda p: p["visit"].update(purpose=7),
}


def test_poison_payloads_are_rejected_and_the_feed_flows(hostile: HostileEnv) -> None:
    env = hostile
    site = env.new_site()
    attacker, neighbour = env.kiosk(site, "evil"), env.kiosk(site, "neighbour")
    visits = {}
    for label, poison in POISONS.items():
        visits[label] = env.check_in(attacker, "13800000001").id
        _tamper(attacker, visits[label], poison)
    honest = env.check_in(attacker, "13800000002").id
    result = attacker.client.sync_once()
    assert result.rejected == len(POISONS), result
    assert neighbour.client.sync_once().pulled >= 1
    assert neighbour.records.visit(honest) is not None
    for visit_id in visits.values():
        assert neighbour.records.visit(visit_id) is None
    # a watchlist entry added afterwards reaches the neighbour: the feed is not jammed
    r = env.http.post(f"{API}/watchlist", json={"site_id": site, "name": "王五"}, headers=env.admin)
    assert r.status_code == 201, r.text
    neighbour.client.sync_once()
    assert neighbour.records.watchlist_match(site_id=site, name="王五", phone="")
    env.bystanders_sync()


def test_a_megabyte_name_is_refused_naming_the_event(hostile: HostileEnv) -> None:
    env = hostile
    k = env.kiosk(env.new_site(), "k")
    visit = env.check_in(k, "13800000006")
    row = k.store.conn.execute(
        "SELECT *, open_field(payload, 'outbox', 'payload') AS opened "
        "FROM outbox WHERE entity_id = ?",
        (visit.id,),
    ).fetchone()
    payload = json.loads(row["opened"])
    payload["visitor"]["name"] = "".join(chr(0x4E00 + i % 20000) for i in range(1_000_000))
    event = {
        "uuid": row["uuid"],
        "kind": row["kind"],
        "entity_id": row["entity_id"],
        "occurred_at": row["occurred_at"],
        "hlc": row["hlc"],
        "payload": payload,
    }
    r = env.http.post(f"{API}/sync/push", json={"events": [event]}, headers=env.auth(k))
    assert r.status_code == 413 and row["uuid"] in r.text, r.text
    with env.ho.sessions() as s:
        from sync.server.models import Event

        assert s.get(Event, row["uuid"]) is None  # nothing of it is kept


def test_inputs_that_were_500s_are_4xx(hostile: HostileEnv) -> None:
    env = hostile
    k = env.kiosk(env.new_site(), "k")
    event = {
        "uuid": uuid.uuid4().hex,
        "kind": "lab.note",
        "entity_id": "e",
        "occurred_at": "0001-01-01T00:00:00+14:00",
        "payload": {},
    }
    r = env.http.post(f"{API}/sync/push", json={"events": [event]}, headers=env.auth(k))
    assert r.status_code == 422, r.text
    r = env.http.post(
        f"{API}/sync/push", content=b'{"events":[{"uuid":"\xff"}]}', headers=env.auth(k)
    )
    assert r.status_code == 422, r.text
    for s in (5, [1], {"a": 1}, True):
        body = base64.urlsafe_b64encode(json.dumps({"v": 1, "s": s}).encode()).rstrip(b"=")
        token = body.decode() + ".AAAA"
        r = env.http.get(f"{API}/replies/{token}")
        assert 400 <= r.status_code < 500, (s, r.status_code)
    surrogate = b'{"site_id": "*", "name": "\\ud800"}'
    r = env.http.post(
        f"{API}/watchlist",
        content=surrogate,
        headers={**env.admin, "Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500, r.text
    r = env.http.post(
        f"{API}/sites",
        content=b'{"id": "x\\udc00", "name_zh": "\\ud800", "name_en": "e"}',
        headers={**env.admin, "Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500, r.text
    env.bystanders_sync()


def test_a_visit_cannot_name_another_sites_visitor(hostile: HostileEnv) -> None:
    env = hostile
    site_a, site_b = env.new_site(), env.new_site()
    a, b = env.kiosk(site_a, "a"), env.kiosk(site_b, "b")
    theirs = env.check_in(a, "13800000003", name="甲")
    a.client.sync_once()
    mine = env.check_in(b, "13800000004", name="乙")
    _tamper(
        b,
        mine.id,
        lambda p: (
            p["visitor"].update(id=theirs.visitor_id),
            p["visit"].update(visitor_id=theirs.visitor_id),
        ),
    )
    assert b.client.sync_once().rejected == 1
    roll = env.http.get(f"{API}/sites/{site_b}/roll-call", headers=env.admin).json()
    assert roll["count"] == 0, roll
    roll = env.http.get(f"{API}/sites/{site_a}/roll-call", headers=env.admin).json()
    assert [v["visitor_name"] for v in roll["on_site"]] == ["甲"]


def test_a_reused_uuid_with_other_content_is_rejected(hostile: HostileEnv) -> None:
    env = hostile
    a = env.kiosk(env.new_site(), "a")
    b = env.kiosk(env.new_site(), "b")
    visit = env.check_in(a, "13800000005")
    a.client.sync_once()
    taken = a.store.conn.execute(
        "SELECT uuid FROM outbox WHERE entity_id = ?", (visit.id,)
    ).fetchone()[0]
    event = {
        "uuid": taken,
        "kind": "lab.note",
        "entity_id": "e",
        "occurred_at": datetime.now(UTC).isoformat(),
        "payload": {"site_id": b.site_id},
    }
    r = env.http.post(f"{API}/sync/push", json={"events": [event]}, headers=env.auth(b))
    assert r.status_code == 200
    answer = r.json()
    assert [x["uuid"] for x in answer["rejected"]] == [taken], answer
    assert not answer["duplicate"]
    # a true re-send is still a duplicate
    a.store.conn.execute("UPDATE outbox_positions SET position = 0 WHERE consumer = 'sync'")
    assert a.client.sync_once().rejected == 0

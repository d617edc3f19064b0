"""A site's held pulls that one change wakes are answered from one shared read
(``sync/server/api/held_answers.py``), on a real ``kiosk-server`` over HTTP, SQLite and
PostgreSQL: each answer is byte for byte the page the kiosk's own read gives from the same
cursor; a kiosk gets its own events only when it asks; a kiosk revoked while it waits is
refused; another site's held pull is not woken.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)
from sqlalchemy import update

from sync.server.api import held_answers
from sync.server.held_pulls import Ask
from sync.server.models import Kiosk
from sync.server.security import digest
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = pytest.mark.integration

API = "/api/v1"


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request, tmp_path: Path) -> Iterator[tuple[HeadOffice, ServerProcess]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    proc = ServerProcess(url, log_path=tmp_path / "server.log").start()
    yield ho, proc
    proc.stop()
    ho.close()


def _enroll(http: httpx.Client, ho: HeadOffice, site: str) -> tuple[str, dict[str, str]]:
    r = http.post(f"{API}/enroll", json={"code": ho.add_kiosk(site)})
    assert r.status_code == 200, r.text
    return r.json()["kiosk_id"], {"Authorization": f"Bearer {r.json()['token']}"}


def _check_in(http: httpx.Client, site: str, kiosk: str, auth: dict[str, str]) -> str:
    visit_id, at = uuid.uuid4().hex, datetime.now(UTC).isoformat()
    visit = {
        *(("id", visit_id), ("site_id", site), ("kiosk_id", kiosk), ("visitor_id", f"{kiosk}-p")),
        *(("host_id", "h1"), ("department_id", "d1"), ("state", "checked_in")),
        *(("purpose", "meeting"), ("badge_code", "B1"), ("consent_version", "2026-11")),
        *(("invitation_id", None), ("created_at", at), ("checked_in_at", at)),
    }
    visitor = {"id": f"{kiosk}-p", "name": "张伟", "phone": "13800000001", "company": ""}
    event = {
        "uuid": uuid.uuid4().hex,
        "kind": "visit.checked_in",
        "entity_id": visit_id,
        "occurred_at": at,
        "hlc": f"{int(time.time() * 1000):013d}000001-{kiosk}",
        "payload": {
            "visit": dict(visit),
            "visitor": {**visitor, "category": ""},
            "language": "zh_CN",
        },
    }
    r = http.post(f"{API}/sync/push", json={"protocol": 1, "events": [event]}, headers=auth)
    assert r.status_code == 200 and r.json()["stored"] == [event["uuid"]], r.text
    return visit_id


def _mark(http: httpx.Client, auth: dict[str, str]) -> int:
    page = http.get(f"{API}/sync/pull", params={"after": 0}, headers=auth).json()
    assert not page["more"]
    return int(page["cursor"])


def test_woken_pulls_share_one_read_and_each_gets_its_own_page(server) -> None:
    ho, proc = server
    ho.add_site("s1")
    ho.add_site("s2")
    with httpx.Client(base_url=proc.url, timeout=20) as http:
        kiosks = [_enroll(http, ho, "s1") for _ in range(4)]
        (pusher, pusher_auth), _, _, (revoked, _) = kiosks
        other = _enroll(http, ho, "s2")[1]
        mark = _mark(http, pusher_auth)
        assert _mark(http, other) == 0

    # the pusher holds with ``own`` (a kiosk restored from a backup), the others without
    asks = [(auth, kid == pusher) for kid, auth in kiosks] + [(other, False)]
    answers: dict[int, httpx.Response] = {}

    def hold(i: int) -> None:
        auth, own = asks[i]
        params = {"after": mark, "wait": 10 if i < 4 else 3, "own": str(own).lower()}
        with httpx.Client(base_url=proc.url, timeout=20) as held:
            answers[i] = held.get(f"{API}/sync/pull", params=params, headers=auth)

    holders = [threading.Thread(target=hold, args=(i,)) for i in range(len(asks))]
    for t in holders:
        t.start()
    time.sleep(1.5)  # every pull is held by now
    with ho.sessions() as s, s.begin():
        s.execute(update(Kiosk).where(Kiosk.id == revoked).values(revoked_at=datetime.now(UTC)))
    with httpx.Client(base_url=proc.url, timeout=20) as http:
        visit_id = _check_in(http, "s1", pusher, pusher_auth)
        started = time.monotonic()
        for t in holders[:4]:
            t.join()
        woke_within = time.monotonic() - started
        for t in holders[4:]:
            t.join()

        # the kiosk revoked while it waited is refused; the other site's pull was not woken
        assert answers[3].status_code == 401
        assert answers[4].json() == {"changes": [], "cursor": 0, "more": False}
        assert woke_within < 5
        own_reads: list[bytes] = []
        for i in range(3):
            auth, own = asks[i]
            assert answers[i].status_code == 200, answers[i].text
            # the same bytes as the kiosk's own read from the same cursor (``pull_pages.read_page``)
            own_read = http.get(
                f"{API}/sync/pull", params={"after": mark, "own": str(own).lower()}, headers=auth
            )
            assert answers[i].content == own_read.content
            own_reads.append(own_read.content)
        sent = [[c["entity_id"] for c in answers[i].json()["changes"]] for i in range(3)]
        # the check-in and the visitor directory's entry it made
        assert all(visit_id in ids and len(ids) == 2 for ids in sent)
        # the pusher got its own because it asked: without, it gets nothing and the new mark
        plain = http.get(f"{API}/sync/pull", params={"after": mark}, headers=pusher_auth).json()
        assert plain["changes"] == []
        assert plain["cursor"] == answers[1].json()["cursor"] > mark

    # the shared read itself gives those pages (not only the pulls' own reads after it), one
    # read for the site's woken pulls; the revoked kiosk's is left to its own read
    hashes = [digest(auth["Authorization"].removeprefix("Bearer ")) for auth, _ in asks[:4]]
    shared = held_answers.answers(
        ho.engine, [Ask("s1", mark, h, 500, own) for h, (_, own) in zip(hashes, asks, strict=False)]
    )
    assert shared == [*own_reads, None]

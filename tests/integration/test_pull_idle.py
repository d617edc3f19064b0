"""The idle round: a kiosk that sends its site's mark back is answered "nothing new" from one
read, on a real ``kiosk-server`` (SQLite) with the real sync worker; a pull never queues on
SQLite's write lock; revocation still takes effect at once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync.worker import CURSOR_KEY
from tests.support.harness import HeadOffice, ServerProcess, enrolled_kiosk

pytestmark = pytest.mark.integration

API = "/api/v1"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[HeadOffice, ServerProcess, Path, dict]]:
    folder = tmp_path_factory.mktemp("ho-idle")
    db = folder / "head-office.sqlite3"
    ho = HeadOffice(f"sqlite:///{db}")
    proc = ServerProcess(f"sqlite:///{db}", log_path=folder / "server.log").start()
    admin = {"Authorization": f"Bearer {ho.add_admin('alice')}"}
    yield ho, proc, db, admin
    proc.stop()
    ho.close()


def _department(http: httpx.Client, admin: dict, site: str) -> None:
    r = http.put(
        f"{API}/departments/{site}-rnd",
        json={"site_id": site, "name_zh": "研发部", "name_en": "R&D"},
        headers=admin,
    )
    assert r.status_code == 200, r.text


def _host(http: httpx.Client, admin: dict, site: str, name: str) -> None:
    r = http.put(
        f"{API}/hosts/{site}-{name}",
        json={"site_id": site, "department_id": f"{site}-rnd", "name_zh": name},
        headers=admin,
    )
    assert r.status_code == 200, r.text


def test_the_mark_is_answered_nothing_new_and_a_change_after_it_arrives(
    server, tmp_path: Path
) -> None:
    ho, proc, _db, admin = server
    ho.add_site("idle1")
    k = enrolled_kiosk(proc.url, ho.add_kiosk("idle1"), tmp_path / "k")
    try:
        with httpx.Client(base_url=proc.url, timeout=10) as http:
            _department(http, admin, "idle1")
            _host(http, admin, "idle1", "h1")
            assert k.client.sync_once().pulled >= 1
            mark = int(k.store.get_value(CURSOR_KEY, "0") or 0)
            auth = {"Authorization": f"Bearer {k.token}"}
            r = http.get(f"{API}/sync/pull", params={"after": mark}, headers=auth)
            assert r.status_code == 200
            assert r.json() == {"changes": [], "cursor": mark, "more": False}
            assert k.client.sync_once().pulled == 0  # the worker's idle round sends the mark

            _host(http, admin, "idle1", "h2")
            page = http.get(f"{API}/sync/pull", params={"after": mark}, headers=auth).json()
            assert [c["entity_id"] for c in page["changes"]] == ["idle1-h2"]
            assert page["cursor"] == mark + 1
            assert k.client.sync_once().pulled == 1
            assert k.records.host("idle1-h2") is not None

            # no cache stands between a revocation and the next pull
            assert http.post(f"{API}/kiosks/{k.kiosk_id}/revoke", headers=admin).status_code == 200
            r = http.get(f"{API}/sync/pull", params={"after": mark + 1}, headers=auth)
            assert r.status_code == 401
            assert http.get(f"{API}/sync/pull", headers=admin).status_code == 403
    finally:
        k.close()


def test_a_pull_is_answered_while_a_writer_holds_the_lock(server, tmp_path: Path) -> None:
    ho, proc, db, admin = server
    ho.add_site("idle2")
    k = enrolled_kiosk(proc.url, ho.add_kiosk("idle2"), tmp_path / "k")
    try:
        with httpx.Client(base_url=proc.url, timeout=10) as http:
            _department(http, admin, "idle2")
            _host(http, admin, "idle2", "h1")
            auth = {"Authorization": f"Bearer {k.token}"}
            writer = sqlite3.connect(db, isolation_level=None, timeout=5)
            writer.execute("BEGIN IMMEDIATE")  # what a push holds while it folds a batch
            try:
                started = time.monotonic()
                idle = http.get(f"{API}/sync/pull", params={"after": 10**6}, headers=auth)
                page = http.get(f"{API}/sync/pull", params={"after": 0}, headers=auth)
                waited = time.monotonic() - started
            finally:
                writer.execute("ROLLBACK")
                writer.close()
        assert idle.status_code == 200 and idle.json()["changes"] == []
        assert page.status_code == 200
        assert [c["entity_id"] for c in page.json()["changes"]][-2:] == ["idle2-rnd", "idle2-h1"]
        # before: the token check began ``BEGIN IMMEDIATE`` and waited out the busy timeout
        assert waited < 2.0
    finally:
        k.close()


def test_a_held_pull_answers_within_a_second_of_a_change(server, tmp_path: Path) -> None:
    ho, proc, _db, admin = server
    ho.add_site("idle3")
    k = enrolled_kiosk(proc.url, ho.add_kiosk("idle3"), tmp_path / "k")
    try:
        with httpx.Client(base_url=proc.url, timeout=10) as http:
            _department(http, admin, "idle3")
            k.client.sync_once()
            mark = int(k.store.get_value(CURSOR_KEY, "0") or 0)
            auth = {"Authorization": f"Bearer {k.token}"}
            started = time.monotonic()
            quiet = http.get(f"{API}/sync/pull", params={"after": mark, "wait": 1}, headers=auth)
            assert quiet.json() == {"changes": [], "cursor": mark, "more": False}
            assert 0.9 <= time.monotonic() - started < 3

            changed: list[float] = []

            def change_soon() -> None:
                time.sleep(0.5)
                with httpx.Client(base_url=proc.url, timeout=10) as other:
                    _host(other, admin, "idle3", "h9")
                changed.append(time.monotonic())

            writer = threading.Thread(target=change_soon)
            writer.start()
            held = http.get(f"{API}/sync/pull", params={"after": mark, "wait": 10}, headers=auth)
            answered = time.monotonic()
            writer.join()
        assert [c["entity_id"] for c in held.json()["changes"]] == ["idle3-h9"]
        assert answered - changed[0] < 1.0  # within a second of the change's commit
    finally:
        k.close()

"""One contract for the ``HeadOffice`` protocol, run against both implementations.

``HeadOfficeClient`` against a real ``kiosk-server`` on loopback (SQLite) and the in-process
``FakeHeadOffice`` the unit tests use: what one does, the other must do, so a unit test on the
fake says something about the real thing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.core.config.errors import DeniedError
from kiosk.core.head_office.protocol import AnyHeadOffice
from kiosk.core.keys.hierarchy import KIOSK_PURPOSES, SiteKey, derive
from kiosk.core.keys.site_keys import KeySet
from sync.client import HeadOfficeClient
from sync.fake import FakeHeadOffice
from sync.protocol import ChangeOut
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = pytest.mark.integration


class RealBackend:
    """A kiosk-server process on a SQLite database, provisioned the way its CLI does."""

    def __init__(self, folder: Path) -> None:
        url = f"sqlite:///{folder / 'ho.sqlite3'}"
        self.ho = HeadOffice(url)
        self.server = ServerProcess(url, log_path=folder / "server.log").start()
        self.admin = httpx.Client(
            base_url=self.server.url,
            headers={"Authorization": f"Bearer {self.ho.add_admin('contract')}"},
        )
        self.opened: list[AnyHeadOffice] = []

    def new_site(self) -> str:
        site = "s" + uuid.uuid4().hex[:8]
        self.ho.add_site(site)
        return site

    def new_code(self, site: str) -> str:
        return self.ho.add_kiosk(site)

    def client(self, token: str = "") -> AnyHeadOffice:
        client = HeadOfficeClient(self.server.url, token, timeout=10.0)
        self.opened.append(client)
        return client

    def add_changes(self, site: str, count: int) -> None:
        for i in range(count):
            r = self.admin.put(
                f"/api/v1/departments/{site}-d{i}",
                json={"site_id": site, "name_zh": f"部门{i}", "name_en": f"Dept {i}"},
            )
            assert r.status_code == 200, r.text

    def revoke(self, kiosk_id: str) -> None:
        assert self.admin.post(f"/api/v1/kiosks/{kiosk_id}/revoke").status_code == 200

    def close(self) -> None:
        for c in self.opened:
            c.close()
        self.admin.close()
        self.server.stop()
        self.ho.close()


class FakeBackend:
    """The in-process fake: one head office per test, provisioned through its own knobs."""

    def __init__(self, folder: Path) -> None:
        self.fake = FakeHeadOffice("https://head-office.invalid")
        master = b"contract master secret"
        self.fake.keys = KeySet({p: SiteKey(p, 1, derive(master, p, "s")) for p in KIOSK_PURPOSES})

    def new_site(self) -> str:
        return "s" + uuid.uuid4().hex[:8]

    def new_code(self, site: str) -> str:
        return self.fake.add_code(site)

    def client(self, token: str = "") -> AnyHeadOffice:
        return self.fake

    def add_changes(self, site: str, count: int) -> None:
        start = len(self.fake.feed)
        for i in range(count):
            self.fake.feed.append(
                ChangeOut(
                    cursor=start + i + 1,
                    kind="department.upserted",
                    entity_id=f"{site}-d{i}",
                    hlc="",
                    payload={"id": f"{site}-d{i}", "site_id": site},
                )
            )

    def revoke(self, kiosk_id: str) -> None:
        self.fake.revoked = True

    def close(self) -> None:
        self.fake.close()


def _push_body(*uuids: str) -> bytes:
    events = [
        {
            "uuid": u,
            "kind": "contract.note",
            "entity_id": u,
            "occurred_at": "2025-01-02T03:04:05+00:00",
            "hlc": "",
            "payload": {"n": i},
        }
        for i, u in enumerate(uuids)
    ]
    return json.dumps({"protocol": 1, "events": events}).encode()


class HeadOfficeContract:
    """What every ``HeadOffice`` does; subclasses say which one."""

    backend_class: type

    @pytest.fixture
    def backend(self, tmp_path) -> Iterator:
        backend = self.backend_class(tmp_path)
        yield backend
        backend.close()

    def _enrolled(self, backend) -> tuple[str, AnyHeadOffice, str]:
        site = backend.new_site()
        answer = backend.client().enroll(backend.new_code(site))
        assert answer.site_id == site
        return site, backend.client(answer.token), answer.kiosk_id

    def test_a_code_enrolls_once(self, backend) -> None:
        site = backend.new_site()
        code = backend.new_code(site)
        answer = backend.client().enroll(code)
        assert answer.site_id == site and answer.kiosk_id
        assert answer.token.startswith("kt_") and answer.token not in repr(answer)
        for again in (code, "NOPE-NOPE-NOPE"):
            with pytest.raises(DeniedError) as refused:
                backend.client().enroll(again)
            assert refused.value.message_key == "enroll.denied"

    def test_every_pushed_event_is_answered_and_a_second_push_is_duplicate(self, backend) -> None:
        _, client, _ = self._enrolled(backend)
        ids = [uuid.uuid4().hex for _ in range(3)]
        first = client.push(_push_body(*ids))
        assert sorted(first.stored) == sorted(ids) and not first.duplicate and not first.rejected
        again = client.push(_push_body(*ids))
        assert sorted(again.duplicate) == sorted(ids) and not again.stored

    def test_the_pull_feed_pages_by_cursor(self, backend) -> None:
        site, client, _ = self._enrolled(backend)
        start = client.pull(0, 1000)
        backend.add_changes(site, 3)
        page = client.pull(start.cursor, 2)
        assert len(page.changes) == 2 and page.more
        assert [c.cursor for c in page.changes] == sorted(c.cursor for c in page.changes)
        rest = client.pull(page.cursor, 1000)
        assert len(rest.changes) == 1 and not rest.more
        assert rest.changes[0].cursor > page.cursor
        empty = client.pull(rest.cursor, 1000)
        assert empty.changes == [] and empty.cursor == rest.cursor and not empty.more

    def test_the_site_keys_cover_every_kiosk_purpose(self, backend) -> None:
        _, client, _ = self._enrolled(backend)
        keys = client.fetch_keys()
        assert set(keys.keys) == set(KIOSK_PURPOSES)
        assert all(len(k.key) == 32 and k.version >= 1 for k in keys.keys.values())

    def test_a_revoked_kiosk_is_denied_everywhere(self, backend) -> None:
        _, client, kiosk_id = self._enrolled(backend)
        client.pull(0, 10)
        backend.revoke(kiosk_id)
        for call in (
            lambda: client.pull(0, 10),
            lambda: client.push(_push_body(uuid.uuid4().hex)),
            client.fetch_keys,
        ):
            with pytest.raises(DeniedError) as refused:
                call()
            assert refused.value.message_key == "sync.denied"


class TestRealClientAgainstKioskServer(HeadOfficeContract):
    backend_class = RealBackend


class TestFakeHeadOffice(HeadOfficeContract):
    backend_class = FakeBackend

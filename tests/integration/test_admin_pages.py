"""Keyset pages on every admin list (``sync/server/api/pages.py``), on a real PostgreSQL 15:
walking the ``Link`` headers gives every row once, in order; and each list's real query, as the
app sends it for a page past the first, is answered from an index in that order (``EXPLAIN``:
no sequential scan, no sort), so page 1,000 costs what page 1 does.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)
from sqlalchemy import event

from sync.server.app import create_app
from sync.server.models import Alert, Visit
from tests.support.harness import HeadOffice

pytestmark = pytest.mark.integration

API = "/api/v1"
SITE = "pg1"


class Client:
    """The real app in this process (so the test sees the SQL it sends), over ASGI."""

    def __init__(self, app: Any, headers: dict) -> None:
        self.app = app
        self.headers = headers

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://ho") as c:
                return await c.request(method, url, headers=self.headers, **kwargs)

        return asyncio.run(go())

    def get(self, url: str) -> httpx.Response:
        return self.request("GET", url)


@pytest.fixture(scope="module")
def app(postgres) -> Iterator[tuple[Client, list[tuple[str, Any]]]]:  # noqa: F811
    url = postgres.new_database()
    ho = HeadOffice(url)
    admin = {"Authorization": f"Bearer {ho.add_admin('alice')}"}
    for site in (SITE, "pg2"):
        ho.add_site(site)
    now = datetime.now(UTC)
    with ho.sessions() as s, s.begin():
        for i in range(7):
            at = now - timedelta(minutes=i // 2)  # pairs share a time: the id breaks the tie
            s.add(Visit(id=f"v{i}", site_id=SITE, state="checked_in", created_at=at))
            s.add(
                Alert(
                    id=f"a{i}",
                    site_id=SITE,
                    kiosk_id="k",
                    kind="printer.offline",
                    raised_at=at,
                    severity="warning",
                    details={},
                )
            )
    for _ in range(2):
        ho.add_kiosk(SITE)
    ho.close()
    server = create_app(url)
    sent: list[tuple[str, dict]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(server.state.engine, "before_cursor_execute", capture)
    client = Client(server, admin)
    for d in ("d", "e", "f"):
        body = {"site_id": SITE, "name_zh": "部", "name_en": "D"}
        r = client.request("PUT", f"{API}/departments/{SITE}-{d}", json=body)
        assert r.status_code == 200, r.text
    for i in range(5):
        body = {"site_id": SITE, "department_id": f"{SITE}-d", "name_zh": f"人{i}"}
        assert client.request("PUT", f"{API}/hosts/h{i}", json=body).status_code == 200
        body = {"site_id": SITE, "name": f"名{i}", "reason": "test"}
        r = client.request("POST", f"{API}/watchlist", json=body)
        assert r.status_code == 201, r.text
    for i in range(5):
        body = {
            "site_id": SITE,
            "visitor_name": f"客{i}",
            "host_id": "h0",
            "valid_from": now.isoformat(),
            "valid_until": (now + timedelta(days=1)).isoformat(),
        }
        r = client.request("POST", f"{API}/invitations", json=body)
        assert r.status_code in (200, 201), r.text
    yield client, sent
    server.state.engine.dispose()


LISTS = {
    "sites": f"{API}/sites",
    "kiosks": f"{API}/kiosks?site_id={SITE}",
    "departments": f"{API}/departments?site_id={SITE}",
    "hosts": f"{API}/hosts?site_id={SITE}",
    "watchlist": f"{API}/watchlist?site_id={SITE}",
    "invitations": f"{API}/invitations?site_id={SITE}",
    "visits": f"{API}/visits?site_id={SITE}",
    "alerts": f"{API}/sites/{SITE}/alerts?state=all",
}


def _walk(client: Client, url: str, limit: int) -> tuple[list[str], int]:
    """Every row's id, following ``Link: rel=next`` from the first page; and the pages."""
    ids: list[str] = []
    pages = 0
    next_url: str | None = f"{url}{'&' if '?' in url else '?'}limit={limit}"
    while next_url:
        r = client.get(next_url)
        assert r.status_code == 200, r.text
        pages += 1
        ids += [row["id"] for row in r.json()]
        link = r.headers.get("link", "")
        found = re.match(r'<([^>]+)>; rel="next"', link)
        next_url = found.group(1) if found else None
    return ids, pages


@pytest.mark.parametrize("name", sorted(LISTS))
def test_pages_give_every_row_once_in_order(app, name: str) -> None:
    client, _ = app
    whole = [row["id"] for row in client.get(LISTS[name]).json()]
    assert len(whole) >= 2
    ids, pages = _walk(client, LISTS[name], 2)
    assert ids == whole and len(set(ids)) == len(ids)
    assert pages >= (len(whole) + 1) // 2


def test_a_page_past_the_first_is_read_in_index_order(app) -> None:
    client, sent = app
    plans = {}
    for name, url in LISTS.items():
        first = client.get(f"{url}{'&' if '?' in url else '?'}limit=1")
        found = re.match(r'<([^>]+)>; rel="next"', first.headers.get("link", ""))
        assert found, name
        sent.clear()
        assert client.get(found.group(1)).status_code == 200
        listing = [(sql, p) for sql, p in sent if "LIMIT" in sql.upper()]
        assert listing, (name, sent)
        sql, params = listing[-1]
        engine = client.app.state.engine
        with engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            rows = conn.exec_driver_sql("EXPLAIN " + sql, params).all()
        plans[name] = "\n".join(r[0] for r in rows)
    for name, plan in plans.items():
        assert "Seq Scan" not in plan, f"{name}:\n{plan}"
        if name == "watchlist":
            # the site's entries and every site's ("*"): two index ranges, merged by a sort of
            # the site's standing entries (a list of hundreds, not a history)
            continue
        assert "Sort" not in plan, f"{name} sorts instead of reading an index in order:\n{plan}"

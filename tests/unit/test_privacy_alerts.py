"""Alerts' details and alert deliveries' addresses sealed at rest on the kiosk (issue 18).

A watchlist match names the visitor in ``alerts.details``; a ticket's client is told by mail
through an ``alert_deliveries`` row whose URL (and the channel shown for it) carries the
client's e-mail address. Both are sealed, read back through the repositories, and a database
the previous version wrote with them in clear is sealed when it opens (store step 13 and
``privacy/migrate.SEALED_VERSION`` 3), with no file keeping them afterwards.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from kiosk.core import alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.privacy import migrate
from kiosk.core.privacy.fields import is_sealed
from kiosk.core.store import alert_deliveries, schema
from kiosk.core.store.database import Store
from tests.unit.test_privacy_fields import clear_bytes_of

NAME, MOBILE, EMAIL = "欧阳素心", "13811119999", "ouyang.suxin@example.com"
URL = f"mailtos://relay.example.com?user=kiosk&pass=s3cret&to={EMAIL}"


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))


def _raise(store: Store) -> alerts.Alert:
    with store.transaction() as tx:
        return alerts.raise_alert(
            tx,
            "watchlist_match",
            severity="critical",
            message_key="alert.watchlist_match",
            details={"name": NAME, "phone": MOBILE},
            site_id="demo",
            kiosk_id="k1",
        )


def _plan(store: Store, alert_id: str, url: str = URL) -> bool:
    with store.transaction() as tx:
        return alert_deliveries.add(
            tx,
            delivery_id=f"d-{alert_id}-{len(url)}",
            alert_id=alert_id,
            route="ticket",
            url=url,
            channel=f"mailtos://relay.example.com?to={EMAIL}",
            subject="工单",
            text="已处理",
            now=store.clock.now(),
        )


def test_details_and_addresses_are_sealed_and_read_back(tmp_path, clock) -> None:
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    alert = _raise(store)
    assert _plan(store, "tk-1") is True
    assert _plan(store, "tk-1") is False  # the same alert to the same address: planned once
    assert _plan(store, "tk-1", URL + "x") is True
    raw = store.query_one("SELECT details FROM alerts")[0]
    assert is_sealed(raw) and NAME not in raw
    for url, key, channel in store.query("SELECT url, url_key, channel FROM alert_deliveries"):
        assert is_sealed(url) and is_sealed(channel)
        assert key.startswith("fd1.") and EMAIL not in key
    # the repositories open them
    assert alerts.alert(store, alert.id).details == {"name": NAME, "phone": MOBILE}
    assert alerts.open_alerts(store)[0].details["phone"] == MOBILE
    due = alert_deliveries.due(store, clock.now())
    assert sorted(r["url"] for r in due) == [URL, URL + "x"]
    assert {r["channel"] for r in alert_deliveries.for_alert(store, "tk-1")} == {
        f"mailtos://relay.example.com?to={EMAIL}"
    }
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    assert clear_bytes_of(tmp_path, (NAME, MOBILE, EMAIL, "s3cret")) == []


def _previous_version(path) -> None:
    """Store schema 12 with a watchlist alert and a client's delivery in clear, sealed by the
    previous version's privacy step (marker 2: those columns were not listed yet)."""
    conn = sqlite3.connect(path)
    for version in schema.migrations()[:12]:
        for statement in version.statements():
            conn.execute(statement)
    conn.execute("PRAGMA user_version=12")
    conn.execute(
        "INSERT INTO alerts (id, kind, severity, message_key, details, site_id, raised_at) "
        "VALUES ('a1', 'watchlist_match', 'critical', 'alert.watchlist_match', ?, 'demo', "
        "'2026-11-26T00:00:00+00:00')",
        (json.dumps({"name": NAME, "phone": MOBILE}, ensure_ascii=False),),
    )
    conn.execute(
        "INSERT INTO alert_deliveries (id, alert_id, route, url, channel, subject, body_text, "
        "next_attempt_at, created_at) VALUES ('d1', 'tk-1', 'ticket', ?, ?, '', '', "
        "'2026-11-26T00:00:00+00:00', '2026-11-26T00:00:00+00:00')",
        (URL, f"mailtos://relay.example.com?to={EMAIL}"),
    )
    conn.execute("INSERT INTO kv (key, value) VALUES (?, '2')", (migrate.MARKER,))
    conn.commit()
    conn.close()


def test_an_older_database_gets_them_sealed_when_it_opens(tmp_path, clock) -> None:
    path = tmp_path / "k.sqlite3"
    _previous_version(path)
    assert clear_bytes_of(tmp_path, (NAME, EMAIL)), "the previous version kept them in clear"
    store = Store(path, clock=clock)
    url, key, channel = store.query_one("SELECT url, url_key, channel FROM alert_deliveries")
    assert is_sealed(url) and is_sealed(channel) and key == "row:d1"
    assert is_sealed(store.query_one("SELECT details FROM alerts")[0])
    assert alerts.alert(store, "a1").details["name"] == NAME
    assert [r["url"] for r in alert_deliveries.due(store, clock.now())] == [URL]
    assert _plan(store, "tk-2") is True
    assert migrate.seal_existing(store) == 0  # once only
    store.close()
    assert clear_bytes_of(tmp_path, (NAME, MOBILE, EMAIL, "s3cret")) == []

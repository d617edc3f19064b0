"""Watchlist entries with an end: the kiosk's store and head office's re-screening both stop
matching an entry from its ``expires_at`` on (issue 19)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.core.config.clock import FakeClock
from kiosk.core.events import parse_event
from kiosk.core.events.feed import WatchlistUpserted
from kiosk.core.models import WatchlistEntry
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from sync.server.conflicts import listed_at
from sync.server.models import WatchlistEntry as ServerEntry

T = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_the_kiosk_stops_matching_an_entry_when_it_expires(tmp_path) -> None:
    clock = FakeClock(T)
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    records = Records(store)
    with store.transaction() as tx:
        records.add_watchlist_entry(
            tx, WatchlistEntry("w1", "s1", phone="13500000001", expires_at=T + timedelta(hours=1))
        )
        records.add_watchlist_entry(tx, WatchlistEntry("w2", "*", name="张三"))
    assert records.watchlist_match(site_id="s1", name="", phone="13500000001") == "w1"
    assert (
        records.watchlist_match(
            site_id="s1", name="", phone="13500000001", at=T + timedelta(minutes=59)
        )
        == "w1"
    )
    clock.advance(3600)
    assert records.watchlist_match(site_id="s1", name="", phone="13500000001") is None
    assert records.watchlist_match(site_id="s1", name="张三", phone="") == "w2"  # never ends
    store.close()


def test_head_office_screens_with_the_list_as_it_stood_and_ends() -> None:
    entry = ServerEntry(
        id="w1",
        site_id="s1",
        phone="13500000001",
        created_at=T,
        deleted_at=None,
        expires_at=T + timedelta(days=1),
    )
    assert listed_at([entry], T + timedelta(hours=1), name="", phone="13500000001") == "w1"
    assert listed_at([entry], T + timedelta(days=1), name="", phone="13500000001") is None


def test_the_pull_feed_carries_the_end_and_older_entries_have_none() -> None:
    ends = T + timedelta(days=7)
    e = WatchlistUpserted(id="w1", site_id="*", phone="1", expires_at=ends)
    again = parse_event(e.kind, e.model_dump(mode="json"))
    assert isinstance(again, WatchlistUpserted) and again.expires_at == ends
    old = parse_event("watchlist.upserted", {"id": "w2", "site_id": "*", "name": "x"})
    assert isinstance(old, WatchlistUpserted) and old.expires_at is None


def test_an_entry_without_an_end_reads_as_before_to_an_older_kiosk() -> None:
    """Events forbid unknown fields: a kiosk older than ``expires_at`` must still get the
    entries that never expire, so their payload does not name the field."""
    standing = WatchlistUpserted(id="w1", site_id="demo", name="王五", phone="13900000000")
    assert "expires_at" not in standing.payload()
    assert parse_event("watchlist.upserted", standing.payload()) == standing
    ending = standing.model_copy(update={"expires_at": datetime(2027, 1, 1, tzinfo=UTC)})
    assert ending.payload()["expires_at"].startswith("2027-01-01")
    assert parse_event("watchlist.upserted", ending.payload()) == ending

"""The rows the assessment reports read (``kiosk/core/reports``): narrow, read-only queries
over one site and a UTC range ``[start, end)``, aggregated by SQLite where it can, so a
quarter of 50,000 visits comes back as a few thousand small rows.

Arrivals are counted per UTC quarter of an hour (``YYYY-MM-DDTHH:q``, q = 0-3): every time
zone's offset is a whole number of quarter hours, so each bucket falls in one local hour and
the caller maps buckets to the site's hours exactly. The step-11 indexes cover these queries.

Must never: write, or decide what a figure means (``reports/figures.py`` does).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from kiosk.core.config.clock import iso
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Store

SCHEMA = (
    Step(
        11,
        """
    CREATE INDEX visits_site_arrival ON visits(site_id, checked_in_at, state, purpose);
    CREATE INDEX notify_visits_site_told ON notify_visits(site_id, created_at, replied_at);
    CREATE INDEX parcels_site_received ON parcels(site_id, received_at);
    CREATE INDEX visit_ratings_site ON visit_ratings(site_id, rated_at, score)
    """,
    ),
)

#: visits that came in (a denied one never did; an expected one has not yet)
_CAME = "state IN ('checked_in', 'checked_out')"
_RANGE = "site_id=? AND {col} >= ? AND {col} < ?"
_QUARTER = "substr(checked_in_at, 1, 14) || (CAST(substr(checked_in_at, 15, 2) AS INTEGER) / 15)"


def _rows(store: Store, sql: str, params: tuple) -> list[tuple[Any, ...]]:
    """Plain tuples (no ``sqlite3.Row`` per row: tens of thousands of them add up)."""
    cursor = store.conn.cursor()
    cursor.row_factory = None
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def _range(site_id: str, start: datetime, end: datetime) -> tuple[str, str, str]:
    return site_id, iso(start), iso(end)


def arrivals_by_purpose(
    store: Store, site_id: str, start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """(purpose, visits) of the site's visits that came in within the range."""
    where = _RANGE.format(col="checked_in_at")
    return _rows(
        store,
        f"SELECT purpose, count(*) FROM visits WHERE {where} AND {_CAME} GROUP BY purpose",
        _range(site_id, start, end),
    )


def arrivals_by_quarter_hour(
    store: Store, site_id: str, start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """(``YYYY-MM-DDTHH:q`` in UTC, visits) of the visits that came in within the range."""
    where = _RANGE.format(col="checked_in_at")
    return _rows(
        store,
        f"SELECT {_QUARTER}, count(*) FROM visits WHERE {where} AND {_CAME} GROUP BY 1",
        _range(site_id, start, end),
    )


def host_reply_minutes(
    store: Store, site_id: str, start: datetime, end: datetime
) -> tuple[int, list[float]]:
    """How many hosts were told within the range, and the minutes each reply took, sorted."""
    where = _RANGE.format(col="created_at")
    told = _rows(
        store, f"SELECT count(*) FROM notify_visits WHERE {where}", _range(site_id, start, end)
    )
    minutes = _rows(
        store,
        "SELECT (julianday(replied_at) - julianday(created_at)) * 1440 FROM notify_visits "
        f"WHERE {where} AND replied_at IS NOT NULL",
        _range(site_id, start, end),
    )
    waits = [m for (m,) in minutes]
    waits.sort()  # here, not in SQL: a sort of plain floats is a few times faster in Python
    return int(told[0][0]), waits


def parcels(store: Store, site_id: str, start: datetime, end: datetime) -> list[tuple]:
    """(courier, received_at, collected_at or None) of the parcels received within the range."""
    where = _RANGE.format(col="received_at")
    return _rows(
        store,
        f"SELECT courier, received_at, collected_at FROM parcels WHERE {where}",
        _range(site_id, start, end),
    )


def ratings(store: Store, site_id: str, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """(score, how many) of the ratings given within the range."""
    where = _RANGE.format(col="rated_at")
    return _rows(
        store,
        f"SELECT score, count(*) FROM visit_ratings WHERE {where} GROUP BY score",
        _range(site_id, start, end),
    )

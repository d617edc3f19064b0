"""The rows the assessment reports read (``kiosk/core/reports``): narrow, read-only queries
over one site and a UTC range ``[start, end)``, so a quarter of 50,000 visits is read in one
pass of two columns.

Must never: write, or decide what a figure means (``reports/figures.py`` does).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso

if TYPE_CHECKING:
    from kiosk.core.store.database import Store

#: visits that came in (a denied one never did; an expected one has not yet)
_CAME = "('checked_in', 'checked_out')"


def visit_arrivals(store: Store, site_id: str, start: datetime, end: datetime) -> list[tuple]:
    """(purpose, checked_in_at) of every visit of the site that came in within the range."""
    return [
        tuple(r)
        for r in store.query(
            "SELECT purpose, checked_in_at FROM visits WHERE site_id=? AND state IN "
            f"{_CAME} AND checked_in_at >= ? AND checked_in_at < ?",
            (site_id, iso(start), iso(end)),
        )
    ]


def host_replies(store: Store, site_id: str, start: datetime, end: datetime) -> list[tuple]:
    """(told_at, replied_at or None) of every host notification planned within the range."""
    return [
        tuple(r)
        for r in store.query(
            "SELECT created_at, replied_at FROM notify_visits WHERE site_id=? "
            "AND created_at >= ? AND created_at < ?",
            (site_id, iso(start), iso(end)),
        )
    ]


def parcels(store: Store, site_id: str, start: datetime, end: datetime) -> list[tuple]:
    """(courier, received_at, collected_at or None) of the parcels received within the range."""
    return [
        tuple(r)
        for r in store.query(
            "SELECT courier, received_at, collected_at FROM parcels WHERE site_id=? "
            "AND received_at >= ? AND received_at < ?",
            (site_id, iso(start), iso(end)),
        )
    ]


def ratings(store: Store, site_id: str, start: datetime, end: datetime) -> list[int]:
    """The scores (1-5) given within the range."""
    return [
        int(r[0])
        for r in store.query(
            "SELECT score FROM visit_ratings WHERE site_id=? AND rated_at >= ? AND rated_at < ?",
            (site_id, iso(start), iso(end)),
        )
    ]

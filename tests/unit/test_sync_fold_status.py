"""Folding alerts and badge/notify status at head office: order-free by stamp, per site.

The same hypothesis check as the visit fold (``test_sync_fold.py``): any arrival order,
batching and re-sending gives the same rows, and those rows are the ones the stamps say.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_sync_fold import T0, _close, _db, _push, _stamp, check_in

from kiosk.core.events import (
    AlertAcknowledged,
    AlertRaised,
    BadgeFailed,
    BadgePrinted,
    Event,
    NotifyFailed,
    NotifySent,
)
from sync.protocol import EventIn
from sync.server import alerts
from sync.server.models import Alert, Change, Visit


def _at(minute: int):
    return T0 + timedelta(minutes=minute)


def _event(model: Event, minute: int, node: str) -> EventIn:
    return EventIn(
        uuid=str(uuid.uuid4()),
        kind=model.kind,
        entity_id=model.entity_id,
        occurred_at=_at(minute),
        hlc=_stamp(minute, node),
        payload=model.payload(),
    )


def badge(visit_id: str, minute: int, outcome: str, node: str = "ka") -> EventIn:
    common: dict[str, Any] = dict(
        visit_id=visit_id, job_id=f"j-{visit_id}", copy_number=0, printer="fake", attempts=1
    )
    if outcome == "printed":
        return _event(BadgePrinted(**common), minute, node)
    model = BadgeFailed(
        **common,
        error_key="badge.printer.offline",
        error="offline",
        retrying=outcome == "retrying",
    )
    return _event(model, minute, node)


def notify(visit_id: str, minute: int, sent: bool, node: str = "ka") -> EventIn:
    common: dict[str, Any] = dict(
        visit_id=visit_id,
        site_id="s1",
        kiosk_id=node,
        delivery_id=f"d-{visit_id}-{minute}",
        stage="host",
        recipient="host:h1",
        channel="json://hooks.example.com/****",
        attempts=1,
    )
    if sent:
        return _event(NotifySent(**common, sent_at=_at(minute)), minute, node)
    return _event(NotifyFailed(**common, error="down", failed_at=_at(minute)), minute, node)


def raised(alert_id: str, minute: int, node: str = "ka", site: str = "s1") -> EventIn:
    model = AlertRaised(
        alert_id=alert_id,
        site_id=site,
        kiosk_id=node,
        alert="watchlist",
        severity="critical",
        message_key="alert.watchlist",
        details={"watchlist_id": "w1"},
        visit_id=None,
        raised_at=_at(minute),
    )
    return _event(model, minute, node)


def acked(alert_id: str, minute: int, by: str, node: str = "ka") -> EventIn:
    model = AlertAcknowledged(
        alert_id=alert_id, site_id="s1", kiosk_id=node, by=by, acknowledged_at=_at(minute)
    )
    return _event(model, minute, node)


#: (kiosk, event); the expected rows follow from the stamps (minutes), not from arrival
SCENARIO: list[tuple[str, EventIn]] = [
    ("ka", check_in("v0", 0)),
    ("ka", badge("v0", 1, "retrying")),
    ("ka", badge("v0", 3, "printed")),
    ("ka", notify("v0", 2, sent=True)),
    ("ka", notify("v0", 4, sent=False)),
    ("kb", check_in("v1", 5, node="kb")),
    ("kb", badge("v1", 6, "retrying", node="kb")),
    ("kb", badge("v1", 9, "failed", node="kb")),
    ("kb", notify("v1", 7, sent=False, node="kb")),
    ("kb", notify("v1", 8, sent=True, node="kb")),
    ("ka", raised("a1", 10)),
    ("ka", acked("a1", 12, "desk-a")),
    ("kb", acked("a1", 11, "desk-b", node="kb")),
    ("ka", raised("a2", 13)),
]
EXPECTED_VISITS = [
    ("v0", "checked_in", "printed", _at(3), "failed", _at(4)),
    ("v1", "checked_in", "failed", _at(9), "sent", _at(8)),
]
EXPECTED_ALERTS = [
    ("a1", "watchlist", _at(10), _at(11), "desk-b", "kb"),
    ("a2", "watchlist", _at(13), None, "", None),
]


def _visits(session: Session) -> list[tuple]:
    rows = session.scalars(select(Visit).order_by(Visit.id)).all()
    return [
        (v.id, v.state, v.badge_status, v.badge_status_at, v.notify_status, v.notify_status_at)
        for v in rows
    ]


def _alerts(session: Session) -> list[tuple]:
    rows = session.scalars(select(Alert).order_by(Alert.id)).all()
    return [
        (a.id, a.kind, a.raised_at, a.acknowledged_at, a.acknowledged_by, a.acknowledged_kiosk_id)
        for a in rows
    ]


@settings(max_examples=60, deadline=None)
@given(
    order=st.permutations(range(len(SCENARIO))),
    cut=st.integers(1, 4),
    resend=st.lists(st.integers(0, len(SCENARIO) - 1), max_size=4),
)
def test_any_arrival_order_gives_the_status_the_stamps_say(order, cut, resend) -> None:
    session = _db()
    arrivals = [SCENARIO[i] for i in order] + [SCENARIO[i] for i in resend]
    batch: list[EventIn] = []
    kiosk = arrivals[0][0]
    for kiosk_id, event in arrivals:
        if kiosk_id != kiosk or len(batch) >= cut:
            _push(session, kiosk, batch)
            batch, kiosk = [], kiosk_id
        batch.append(event)
    _push(session, kiosk, batch)
    session.expire_all()
    assert _visits(session) == EXPECTED_VISITS
    assert _alerts(session) == EXPECTED_ALERTS
    _close(session)


def test_a_status_before_its_check_in_is_not_listed_until_the_check_in_comes() -> None:
    session = _db()
    out = _push(session, "ka", [badge("v9", 5, "printed")])
    assert len(out.stored) == 1
    row = session.get(Visit, "v9")
    assert row is not None and row.state == "" and row.badge_status == "printed"
    _push(session, "ka", [check_in("v9", 1)])
    session.expire_all()
    row = session.get(Visit, "v9")
    assert row is not None and row.state == "checked_in" and row.badge_status == "printed"
    _close(session)


def test_another_sites_visit_or_alert_is_never_touched() -> None:
    session = _db()
    _push(session, "ka", [check_in("v1", 0), raised("a1", 1)])
    # kiosk kc is of site s2: same ids, its own site's rows only
    out = _push(session, "kc", [badge("v1", 5, "failed", node="kc"), raised("a1", 6, node="kc")])
    assert len(out.rejected) == 1  # the alert names site s1
    session.expire_all()
    assert session.get(Visit, "v1").badge_status is None  # type: ignore[union-attr]
    assert session.get(Alert, "a1").kiosk_id == "ka"  # type: ignore[union-attr]
    _close(session)


def test_head_office_acknowledges_once_and_feeds_the_site() -> None:
    session = _db()
    _push(session, "ka", [raised("a1", 1)])
    with session.begin():
        alert = alerts.acknowledge(session, site_id="s1", alert_id="a1", by="hq", now=_at(2))
        assert alert.acknowledged_kiosk_id == "" and alert.ack_hlc
    with session.begin():
        again = alerts.acknowledge(session, site_id="s1", alert_id="a1", by="x", now=_at(3))
        assert again.acknowledged_by == "hq"
    fed = session.scalars(select(Change).where(Change.kind == "alert.acknowledged")).all()
    assert [(c.site_id, c.entity_id, c.payload["by"]) for c in fed] == [("s1", "a1", "hq")]
    # a kiosk's acknowledgement stamped later does not replace head office's
    _push(session, "ka", [acked("a1", 9_000_000, "desk")])
    session.expire_all()
    assert session.get(Alert, "a1").acknowledged_by == "hq"  # type: ignore[union-attr]
    # that stamp is years ahead of head office's clock, so head office may have raised an alert
    # of its own about the kiosk (at most one per kiosk in ten minutes, across the process)
    still_open = alerts.list_alerts(session, site_id="s1")
    assert [a.id for a in still_open if a.kind != "kiosk.clock_ahead"] == []
    every = alerts.list_alerts(session, site_id="s1", state="all")
    assert [a.id for a in every if a.kind != "kiosk.clock_ahead"] == ["a1"]
    _close(session)

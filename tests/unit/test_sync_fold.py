"""Folding pushed events on the server: once per UUID, order-free, per-site."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from sync.protocol import EventIn
from sync.server import folding, sealing
from sync.server.models import Base, Change, Event, Kiosk, Site, Visit

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _db() -> Session:
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    sealing.install(engine, "sqlite://")  # its data key in memory
    Base.metadata.create_all(engine)
    session = Session(engine, expire_on_commit=False)
    with session.begin():
        for site in ("s1", "s2"):
            session.add(
                Site(
                    id=site, name_zh=site, name_en=site, settings={}, building_map={}, change_seq=0
                )
            )
        for kid, site in (("ka", "s1"), ("kb", "s1"), ("kc", "s2")):
            session.add(Kiosk(id=kid, site_id=site, name="", created_at=T0))
    return session


def _stamp(minute: int, node: str) -> str:
    return f"{int((T0 + timedelta(minutes=minute)).timestamp() * 1000):013d}000000-{node}"


def check_in(visit_id: str, minute: int, node: str = "ka", site: str = "s1") -> EventIn:
    at = (T0 + timedelta(minutes=minute)).isoformat()
    return EventIn(
        uuid=str(uuid.uuid4()),
        kind="visit.checked_in",
        entity_id=visit_id,
        occurred_at=T0 + timedelta(minutes=minute),
        hlc=_stamp(minute, node),
        payload={
            "visit": {
                "id": visit_id,
                "site_id": site,
                "kiosk_id": node,
                "visitor_id": "p-" + visit_id,
                "state": "checked_in",
                "purpose": "meeting",
                "created_at": at,
                "checked_in_at": at,
                "host_id": "h1",
                "department_id": None,
                "badge_code": "",
                "consent_version": "",
                "invitation_id": None,
            },
            "visitor": {
                "id": "p-" + visit_id,
                "name": "张伟",
                # one person per visit: the same number twice is a conflict (conflicts.py)
                "phone": "138" + visit_id,
                "company": "",
                "category": "",
            },
            "language": "zh_CN",
        },
    )


def check_out(visit_id: str, minute: int, node: str = "kb", site: str = "s1") -> EventIn:
    # occurred_at deliberately hours off: only the stamp may order events
    return EventIn(
        uuid=str(uuid.uuid4()),
        kind="visit.checked_out",
        entity_id=visit_id,
        occurred_at=T0 - timedelta(hours=5),
        hlc=_stamp(minute, node),
        payload={
            "visit_id": visit_id,
            "site_id": site,
            "kiosk_id": node,
            "checked_out_at": (T0 + timedelta(minutes=minute)).isoformat(),
            "auto": False,
            "method": "scan",
        },
    )


def _push(session: Session, kiosk_id: str, events: list[EventIn]):
    kiosk = session.get(Kiosk, kiosk_id)
    session.commit()
    with session.begin():
        return folding.push(session, kiosk=kiosk, events=events)


def _close(session: Session) -> None:
    engine = session.get_bind()
    session.close()
    engine.dispose()  # type: ignore[union-attr]


def _visits(session: Session) -> list[tuple]:
    rows = session.scalars(select(Visit).order_by(Visit.id)).all()
    return [
        (
            v.id,
            v.state,
            v.visitor_id,
            v.host_id,
            v.checked_in_at,
            v.checked_out_at,
            v.checkout_kiosk_id,
        )
        for v in rows
    ]


def _scenario() -> list[tuple[str, EventIn]]:
    events = []
    for i in range(6):
        vid = f"v{i}"
        events.append(("ka", check_in(vid, i)))
        if i % 2 == 0:
            events.append(
                ("kb" if i % 4 else "ka", check_out(vid, i + 30, "kb" if i % 4 else "ka"))
            )
    return events


SCENARIO = _scenario()


def _canonical() -> list[tuple]:
    session = _db()
    for kiosk_id, event in SCENARIO:
        _push(session, kiosk_id, [event])
    result = _visits(session)
    _close(session)
    return result


CANONICAL = _canonical()


@settings(max_examples=40, deadline=None)
@given(
    order=st.permutations(range(len(SCENARIO))),
    cut=st.integers(1, 4),
    resend=st.lists(st.integers(0, len(SCENARIO) - 1), max_size=4),
)
def test_any_arrival_order_batching_and_resending_gives_the_same_visits(order, cut, resend):
    session = _db()
    arrivals = [SCENARIO[i] for i in order] + [SCENARIO[i] for i in resend]
    # batches of up to `cut` events, never mixing kiosks within a batch
    batch: list[EventIn] = []
    kiosk = arrivals[0][0]
    for kiosk_id, event in arrivals:
        if kiosk_id != kiosk or len(batch) >= cut:
            _push(session, kiosk, batch)
            batch, kiosk = [], kiosk_id
        batch.append(event)
    _push(session, kiosk, batch)
    assert _visits(session) == CANONICAL
    assert session.query(Event).count() == len(SCENARIO)
    _close(session)


def test_states_in_the_canonical_result() -> None:
    states = {row[0]: row[1] for row in CANONICAL}
    assert states == {
        "v0": "checked_out",
        "v1": "checked_in",
        "v2": "checked_out",
        "v3": "checked_in",
        "v4": "checked_out",
        "v5": "checked_in",
    }


def test_answer_names_every_event_once() -> None:
    session = _db()
    first = check_in("v1", 1)
    out = _push(session, "ka", [first, first, check_in("v2", 2, site="s2")])
    assert out.stored == [first.uuid]
    assert out.duplicate == [first.uuid]
    assert len(out.rejected) == 1 and "site" in out.rejected[0].reason
    again = _push(session, "ka", [first])
    assert again.stored == [] and again.duplicate == [first.uuid]
    _close(session)


def test_another_sites_event_is_rejected_and_never_folded() -> None:
    session = _db()
    _push(session, "ka", [check_in("v1", 1)])
    out = _push(
        session, "kc", [check_out("v1", 9, "kc", site="s1"), check_out("v1", 9, "kc", site="s2")]
    )
    assert len(out.rejected) == 1 and "site" in out.rejected[0].reason
    assert len(out.stored) == 1  # claims its own site, but the visit is s1's: not touched
    assert session.get(Visit, "v1").state == "checked_in"
    _close(session)


def test_malformed_and_unknown_events() -> None:
    session = _db()
    bad = EventIn(
        uuid="u1",
        kind="visit.checked_in",
        entity_id="v9",
        occurred_at=T0,
        payload={"visit": {"id": "other"}, "visitor": {}},
    )
    typed_badly = EventIn(
        uuid="u3", kind="badge.printed", entity_id="v9", occurred_at=T0, payload={"printer": "x"}
    )
    # a kind this server does not know (a newer kiosk): stored and acknowledged, not folded
    later = EventIn(
        uuid="u2", kind="ticket.opened", entity_id="v9", occurred_at=T0, payload={"x": 1}
    )
    out = _push(session, "ka", [bad, typed_badly, later])
    assert [r.uuid for r in out.rejected] == ["u1", "u3"]
    assert "visit" in out.rejected[0].reason and "visit_id" in out.rejected[1].reason
    assert out.stored == ["u2"]
    _close(session)


def test_visit_events_feed_the_site_in_stamp_order() -> None:
    session = _db()
    _push(session, "kb", [check_out("v1", 10)])
    _push(session, "ka", [check_in("v2", 3), check_in("v1", 2)])
    rows = session.scalars(select(Change).order_by(Change.seq)).all()
    assert [(c.seq, c.kind, c.entity_id, c.origin_kiosk_id) for c in rows] == [
        (1, "visit.checked_out", "v1", "kb"),
        (2, "visit.checked_in", "v1", "ka"),
        (3, "visit.checked_in", "v2", "ka"),
    ]
    assert session.get(Site, "s1").change_seq == 3
    _close(session)


def _held(visit_id: str, minute: int) -> EventIn:
    """A watchlist match: ``visit.denied``, not checked in (no ``checked_in_at``)."""
    event = check_in(visit_id, minute)
    payload = dict(event.payload)
    payload["visit"] = {**payload["visit"], "state": "denied", "checked_in_at": None}
    payload["watchlist_id"] = "w1"
    return event.model_copy(update={"kind": "visit.denied", "payload": payload})


def test_an_approved_held_visit_keeps_its_check_in_time_in_any_order() -> None:
    held, approved = _held("v1", 0), check_in("v1", 5)
    for order in ([held, approved], [approved, held], [approved], [held]):
        session = _db()
        for event in order:
            _push(session, "ka", [event])
        [(_, state, visitor, host, checked_in_at, *_rest)] = _visits(session)
        _close(session)
        if approved in order:
            assert (state, checked_in_at) == ("checked_in", T0 + timedelta(minutes=5))
        else:
            assert (state, checked_in_at) == ("denied", None)
        assert (visitor, host) == ("p-v1", "h1")

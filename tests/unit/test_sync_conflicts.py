"""Conflicts between a site's offline kiosks, folded at head office whatever the arrival order
(issue 14, item 4): an invitation used twice, two open visits of one person, a check-in of
someone on the watchlist at the check-in's time."""

from __future__ import annotations

import uuid
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from test_sync_fold import T0, _close, _db, _push, _stamp, check_in

from kiosk.core.events import InvitationUsed
from sync.protocol import EventIn
from sync.server.models import Alert, Change, Conflict, Invitation, Visit, WatchlistEntry


def _invitation(session, inv_id: str = "inv1") -> None:
    with session.begin():
        session.add(
            Invitation(
                id=inv_id,
                site_id="s1",
                code="CODE" + inv_id.upper(),
                visitor_name="李娜",
                updated_at=T0,
            )
        )


def used(inv_id: str, visit_id: str, minute: int, node: str) -> EventIn:
    model = InvitationUsed(invitation_id=inv_id, visit_id=visit_id, site_id="s1")
    return EventIn(
        uuid=str(uuid.uuid4()),
        kind=model.kind,
        entity_id=model.entity_id,
        occurred_at=T0 + timedelta(minutes=minute),
        hlc=_stamp(minute, node),
        payload=model.payload(),
    )


def _person(event: EventIn, phone: str) -> EventIn:
    event.payload["visitor"]["phone"] = phone
    return event


#: three kiosks used one invitation while apart, each with its own visitor and check-in
USES = [
    ("ka", [_person(check_in("va", 3, "ka"), "13900000011"), used("inv1", "va", 3, "ka")]),
    ("kb", [_person(check_in("vb", 1, "kb"), "13900000012"), used("inv1", "vb", 1, "kb")]),
    ("ka", [_person(check_in("vc", 7, "ka"), "13900000013"), used("inv1", "vc", 7, "ka")]),
]


def _state(session) -> tuple:
    session.expire_all()
    inv = session.get(Invitation, "inv1")
    conflicts = sorted(
        (c.id, c.kind, c.subject_id, c.visit_id, c.hlc, c.alert_id)
        for c in session.scalars(select(Conflict))
    )
    alerts = sorted((a.id, a.kind, a.visit_id) for a in session.scalars(select(Alert)))
    fed = sorted(
        (c.kind, c.entity_id) for c in session.scalars(select(Change)) if c.kind.startswith("con")
    )
    return inv.state, inv.visit_id, inv.used_hlc, tuple(conflicts), tuple(alerts), tuple(fed)


@settings(max_examples=25, deadline=None)
@given(
    order=st.permutations(range(3)),
    split=st.booleans(),
    resend=st.lists(st.integers(0, 2), max_size=2),
)
def test_any_arrival_order_gives_one_use_and_the_same_conflicts(order, split, resend) -> None:
    session = _db()
    try:
        _invitation(session)
        for i in [*order, *resend]:
            kiosk, events = USES[i]
            if split:  # the use before its check-in, in two pushes
                _push(session, kiosk, events[1:])
                _push(session, kiosk, events[:1])
            else:
                _push(session, kiosk, events)
        state, visit_id, used_hlc, conflicts, alerts, fed = _state(session)
        assert (state, visit_id, used_hlc) == ("used", "vb", _stamp(1, "kb"))
        assert sorted(c[3] for c in conflicts) == ["va", "vc"]
        assert {c[1] for c in conflicts} == {"invitation_reused"}
        assert sorted((a[1], a[2]) for a in alerts) == [
            ("conflict.invitation_reused", "va"),
            ("conflict.invitation_reused", "vc"),
        ]
        assert len(fed) == 2
        # the same rows, ids and stamps as the tidy order gives
        assert (state, visit_id, used_hlc, conflicts, alerts, fed) == TIDY[0]
    finally:
        _close(session)


def _tidy() -> tuple:
    session = _db()
    try:
        _invitation(session)
        for kiosk, events in sorted(USES, key=lambda u: u[1][0].hlc):
            _push(session, kiosk, events)
        return _state(session)
    finally:
        _close(session)


TIDY = [_tidy()]


def test_two_open_visits_of_one_person_are_one_conflict_in_either_order() -> None:
    results = []
    for first, second in (("ka", "kb"), ("kb", "ka")):
        session = _db()
        try:
            events = {
                "ka": _person(check_in("v-a", 0, "ka"), "13812345678"),
                "kb": _person(check_in("v-b", 4, "kb"), "+86 138 1234 5678"),
            }
            _push(session, first, [events[first]])
            _push(session, second, [events[second]])
            (c,) = session.scalars(select(Conflict)).all()
            assert (c.kind, c.visit_id, c.other_visit_id) == ("two_open_visits", "v-b", "v-a")
            results.append(c.id)
        finally:
            _close(session)
    assert results[0] == results[1]


def test_a_visit_closed_before_the_next_check_in_is_no_conflict() -> None:
    from test_sync_fold import check_out

    session = _db()
    try:
        a = _person(check_in("v-a", 0, "ka"), "13812345678")
        b = _person(check_in("v-b", 9, "kb"), "13812345678")
        _push(session, "ka", [a, check_out("v-a", 5, node="ka")])
        _push(session, "kb", [b])
        assert session.scalars(select(Conflict)).all() == []
    finally:
        _close(session)


def test_a_check_in_of_someone_listed_at_its_time_is_a_conflict() -> None:
    session = _db()
    try:
        with session.begin():
            session.add_all(
                [
                    WatchlistEntry(id="w-now", site_id="s1", phone="13900000001", created_at=T0),
                    WatchlistEntry(  # listed only after the check-in
                        id="w-later",
                        site_id="*",
                        phone="13900000002",
                        created_at=T0 + timedelta(hours=1),
                    ),
                    WatchlistEntry(  # removed before it
                        id="w-gone",
                        site_id="s1",
                        phone="13900000003",
                        created_at=T0 - timedelta(days=1),
                        deleted_at=T0,
                    ),
                ]
            )
        for i, phone in enumerate(("13900000001", "13900000002", "13900000003")):
            _push(session, "ka", [_person(check_in(f"v{i}", 10, "ka"), phone)])
        (c,) = session.scalars(select(Conflict)).all()
        assert (c.kind, c.subject_id, c.visit_id) == ("watchlist_at_checkin", "w-now", "v0")
        (alert,) = session.scalars(select(Alert)).all()
        assert (alert.kind, alert.severity, alert.id) == (
            "conflict.watchlist_at_checkin",
            "critical",
            c.alert_id,
        )
    finally:
        _close(session)


def test_records_of_one_number_from_two_kiosks_merge_into_the_earliest_in_either_order() -> None:
    from sync.server.models import Visitor

    outcomes = []
    for order in ((0, 1), (1, 0)):
        session = _db()
        try:
            events = [
                ("ka", _person(check_in("v-early", 0, "ka"), "13812340000")),
                ("kb", _person(check_in("v-late", 30, "kb"), "138 1234 0000")),
            ]
            for i in order:
                _push(session, events[i][0], [events[i][1]])
            session.expire_all()
            rows = {v.id: v for v in session.scalars(select(Visitor))}
            kept = [v.id for v in rows.values() if v.merged_into is None]
            assert kept == ["p-v-early"]
            assert rows["p-v-late"].merged_into == "p-v-early" and rows["p-v-late"].phone == ""
            owners = {v.visitor_id for v in session.scalars(select(Visit))}
            fed = [c.kind for c in session.scalars(select(Change)) if c.kind == "visitor.merged"]
            outcomes.append((kept, owners, fed))
        finally:
            _close(session)
    assert outcomes[0] == outcomes[1] == (["p-v-early"], {"p-v-early"}, ["visitor.merged"])

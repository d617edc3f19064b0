"""The repositories' contract, run against every store implementation there is.

There is no in-memory fake of the repositories: the contract runs against the SQLite store on
disk (what the kiosk uses) and in ``:memory:`` (what tools and quick tests may use), so both
keep the same behaviour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.core.alerts import acknowledge_alert, open_alerts, raise_alert
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import ConstraintError
from kiosk.core.events import InvitationCreated
from kiosk.core.models import (
    Department,
    Host,
    Invitation,
    InvitationState,
    Site,
    Visit,
    VisitState,
    WatchlistEntry,
)
from kiosk.core.store import schema
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["disk", "memory"])
def records(request, tmp_path):
    path = tmp_path / "k.sqlite3" if request.param == "disk" else ":memory:"
    store = Store(path, clock=FakeClock(START))
    yield Records(store)
    store.close()


def _directory(records: Records) -> None:
    with records.store.transaction() as tx:
        records.upsert_site(tx, Site("s1", "总部", "HQ"))
        records.upsert_department(tx, Department("d1", "s1", "研发部", "R&D", "5", "501"))
        records.upsert_host(
            tx, Host("h1", "s1", "d1", "王芳", "Wang Fang", notify_urls=("mailto:w@x.cn",))
        )


def _visit(records: Records, **kw) -> Visit:
    with records.store.transaction() as tx:
        visitor = records.add_visitor(tx, name="张伟", phone="13800000001", company="ACME")
        visit = Visit(
            id=kw.pop("id", "v1"),
            site_id="s1",
            visitor_id=visitor.id,
            state=VisitState.CHECKED_IN,
            purpose="meeting",
            host_id="h1",
            department_id="d1",
            badge_code=kw.pop("badge_code", "B1"),
            created_at=START,
            checked_in_at=kw.pop("checked_in_at", START),
        )
        return records.add_visit(tx, visit)


class TestRepositoryContract:
    def test_the_schema_is_the_newest_version(self, records):
        assert records.store.schema_version == schema.schema_version()

    def test_directory_rows_round_trip(self, records):
        _directory(records)
        assert records.site("s1") == Site("s1", "总部", "HQ")
        assert records.departments("s1") == [Department("d1", "s1", "研发部", "R&D", "5", "501")]
        host = records.host("h1")
        assert host is not None and host.notify_urls == ("mailto:w@x.cn",)
        assert [h.id for h in records.hosts("s1")] == ["h1"]
        assert records.exists("hosts", "h1") and not records.exists("hosts", "nobody")

    def test_a_referenced_row_is_kept_and_an_unreferenced_one_deleted(self, records):
        _directory(records)
        _visit(records)
        with records.store.transaction():
            assert records.delete_unless_referenced("hosts", "h1") is False
            records.store.set_value("still", "here")  # the outer transaction goes on
        assert records.host("h1") is not None and records.store.get_value("still") == "here"
        with records.store.transaction() as tx:
            records.upsert_host(tx, Host("h2", "s1", "d1", "李雷", "Li Lei"))
            assert records.delete_unless_referenced("hosts", "h2") is True
        assert records.host("h2") is None

    def test_visitors_are_found_by_the_exact_number_in_any_spelling(self, records):
        _directory(records)
        _visit(records)
        found = records.visitor_by_phone("+86 138 0000 0001")
        assert found is not None and (found.name, found.company) == ("张伟", "ACME")
        assert records.visitor_by_phone("1380000000") is None

    def test_visits_open_close_and_are_listed(self, records):
        _directory(records)
        visit = _visit(records, checked_in_at=START - timedelta(days=1))
        assert records.visit_by_badge("B1") == records.visit(visit.id)
        assert [v.id for v in records.open_visits_by_phone("13800000001")] == [visit.id]
        assert records.open_visit_ids_before("s1", START) == [visit.id]
        last = records.last_visit_of(visit.visitor_id)
        assert last is not None and last.host_id == "h1"
        with records.store.transaction() as tx:
            records.set_visit_state(
                tx, visit.id, VisitState.CHECKED_OUT, checked_out_at=START, auto=True
            )
        assert records.open_visits("s1") == []
        assert [v.id for v in records.auto_closed_visits("s1")] == [visit.id]

    def test_invitations_by_code_and_by_phone(self, records):
        _directory(records)
        inv = Invitation("i1", "s1", "ABC123", "李雷", "13900000002", "h1")
        with records.store.transaction() as tx:
            records.add_invitation(tx, inv)
        assert records.invitation_by_code(" abc123 ") == inv
        assert records.invitations_by_phone("13900000002") == [inv]
        with records.store.transaction() as tx:
            records.set_invitation_state(tx, "i1", InvitationState.USED)
        assert records.invitations_by_phone("13900000002") == []

    def test_the_watchlist_matches_by_blind_key_and_forgets(self, records):
        with records.store.transaction() as tx:
            records.replace_watchlist(tx, [WatchlistEntry("w1", "*", name="Zhang  Wei")])
        assert records.watchlist_match(site_id="s1", name="zhang wei", phone="") == "w1"
        with records.store.transaction() as tx:
            records.remove_watchlist_entry(tx, "w1")
        assert records.watchlist_match(site_id="s1", name="zhang wei", phone="") is None

    def test_key_values_and_the_outbox(self, records):
        store = records.store
        store.set_value("k", "1")
        assert store.set_value_if_absent("k", "2") == "1"
        with store.transaction() as tx:
            tx.emit(InvitationCreated(invitation_id="a", code="CODE1"))
            tx.emit(InvitationCreated(invitation_id="b", code="CODE1"))
        events = store.outbox_after("c")
        assert [e.entity_id for e in events] == ["a", "b"]
        assert [r["uuid"] for r in store.outbox_rows(0, 10)] == [e.uuid for e in events]
        store.advance("c", events[0].seq)
        assert store.pending("c") == 1 and store.position("c") == events[0].seq

    def test_alerts_are_raised_acknowledged_once_and_listed(self, records):
        with records.store.transaction() as tx:
            alert = raise_alert(
                tx,
                "watchlist",
                severity="critical",
                message_key="alert.watchlist",
                details={"visit_id": "v"},
                site_id="s1",
                kiosk_id="k1",
            )
        assert [a.id for a in open_alerts(records.store)] == [alert.id]
        with records.store.transaction() as tx:
            acknowledge_alert(tx, alert.id, "guard")
            acknowledge_alert(tx, alert.id, "guard")
        assert open_alerts(records.store) == []
        kinds = [e.kind for e in records.store.outbox_after("c")]
        assert kinds == ["alert.raised", "alert.acknowledged"]

    def test_constraints_hold_and_a_failed_write_leaves_nothing(self, records):
        with pytest.raises(ConstraintError), records.store.transaction() as tx:
            records.store.set_value("partial", "1")
            records.upsert_department(tx, Department("d9", "no-such-site", "x", "x"))
        assert records.store.get_value("partial") is None

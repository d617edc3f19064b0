"""The kiosk's side of one visitor per site (issue 14, item 3): ``visitor.known`` adds a masked
row the phone step recognises, ``visitor.merged`` moves the kiosk's visits to the survivor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.events import VisitorKnown, VisitorMerged
from kiosk.core.keys.blind_index import KeyedCodec
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from sync import apply
from sync.protocol import ChangeOut

PHONE = "13912345678"
T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


@pytest.fixture
def kiosk(tmp_path):
    clock = FakeClock(T0)
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    records = Records(store, KeyedCodec(store))
    import_directory(records, demo_directory())
    service = CheckinService(records=records, settings=load_settings(environ={}), clock=clock)
    yield records, service
    store.close()


def _apply(records: Records, event, cursor: int = 1) -> bool:
    change = ChangeOut(
        cursor=cursor, kind=event.kind, entity_id=event.entity_id, hlc="", payload=event.payload()
    )
    with records.store.transaction() as tx:
        return apply.apply_change(records, tx, change, site_id="demo", kiosk_id="k1")


def _known(records: Records, version: int = 1) -> VisitorKnown:
    return VisitorKnown(
        visitor_id="hq-visitor-1",
        site_id="demo",
        phone_key=records.phone_key(PHONE),
        key_version=version,
        masked_name="张*",
        masked_company="示***",
        last_visit_at=T0,
    )


def test_a_known_visitor_is_returning_masked_and_their_check_in_keeps_the_id(kiosk) -> None:
    records, service = kiosk
    assert service.find_returning(PHONE) is None
    assert _apply(records, _known(records))
    assert _apply(records, _known(records), cursor=2)  # again: idempotent
    found = service.find_returning(PHONE)
    assert found is not None and found.visitor_id == "hq-visitor-1"
    assert (found.masked_name, found.name, found.company) == ("张*", "", "")
    form = CheckinForm(name="张伟", phone=PHONE, purpose="meeting", host_id="h001", consent=True)
    result = service.check_in(form)
    assert result.visitor.id == "hq-visitor-1" and result.visitor.phone == PHONE
    (event,) = [e for e in records.store.outbox_after("t") if e.kind == "visit.checked_in"]
    assert event.payload["visitor"] == {
        "id": "hq-visitor-1",
        "name": "张伟",
        "phone": PHONE,
        "company": "",
        "category": "",
    }


def test_a_known_visitor_under_another_key_version_is_skipped(kiosk) -> None:
    records, service = kiosk
    _apply(records, _known(records, version=2))
    assert service.find_returning(PHONE) is None


def test_a_merge_moves_the_kiosks_visits_to_the_survivor(kiosk) -> None:
    records, service = kiosk
    form = CheckinForm(name="张伟", phone=PHONE, purpose="meeting", host_id="h001", consent=True)
    mine = service.check_in(form)
    merged = VisitorMerged(visitor_id="hq-visitor-1", merged_id=mine.visitor.id, site_id="demo")
    assert _apply(records, merged)
    assert records.visit(mine.visit.id).visitor_id == "hq-visitor-1"
    assert records.visitor(mine.visitor.id) is None
    survivor = records.visitor("hq-visitor-1")
    assert survivor is not None and survivor.phone == PHONE
    assert service.find_returning(PHONE).visitor_id == "hq-visitor-1"
    assert _apply(records, merged, cursor=2)  # again: nothing left to move


def test_a_visit_fed_after_the_directory_row_fills_it_in(kiosk) -> None:
    from kiosk.core.events.examples import EXAMPLES

    records, service = kiosk
    _apply(records, _known(records))
    fed = EXAMPLES["visit.checked_in"]
    visit = fed.visit.model_copy(update={"visitor_id": "hq-visitor-1", "kiosk_id": "k2"})
    person = fed.visitor.model_copy(update={"id": "hq-visitor-1", "phone": PHONE})
    assert _apply(records, fed.model_copy(update={"visit": visit, "visitor": person}), cursor=2)
    found = service.find_returning(PHONE)
    assert found is not None and found.name == "张伟" and found.masked_name == "张*"

"""A person's erasure reaching a kiosk whose outbox still holds their events (issue 18).

Head office is unreachable, so nothing was pushed (no consumer has handled the events): the
erasure empties the personal fields of the person's events made before it was requested, in
place, so they still go out and parse but name nobody; another visitor's events, and the
person's own made after the request (back again, consenting again), are kept.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.events import VisitorErased, parse_event
from kiosk.core.keys.blind_index import KeyedCodec
from kiosk.core.privacy.erasure import visitor_erased
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from tests.unit.test_privacy_fields import clear_bytes_of

NAME, MOBILE = "欧阳明日", "13812345670"
OTHER, OTHER_MOBILE = "司徒静", "13812345671"


def test_unsent_events_of_the_person_are_emptied_in_place(tmp_path) -> None:
    clock = FakeClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    records = Records(store, KeyedCodec(store))
    import_directory(records, demo_directory())
    service = CheckinService(records=records, settings=load_settings(environ={}), clock=clock)

    def check_in(name: str, phone: str) -> str:
        form = CheckinForm(name=name, phone=phone, purpose="meeting", host_id="h001", consent=True)
        return service.check_in(form).visit.id

    before = check_in(NAME, MOBILE)
    other = check_in(OTHER, OTHER_MOBILE)
    visitor_id = records.visitor_by_phone(MOBILE).id
    clock.advance(300)
    requested = clock.now()
    clock.advance(300)
    after = check_in(NAME, MOBILE)  # back after the request, before the kiosk heard of it
    assert store.position("sync") == 0  # head office unreachable: nothing pushed

    erasure = VisitorErased(
        erasure_id="er1", site_id="demo", visitor_ids=[visitor_id], requested_at=requested
    )
    with store.transaction() as tx:
        visitor_erased(records, tx, erasure)

    events = {(e.kind, e.entity_id): e.payload for e in store.outbox_after("sync", limit=100)}
    erased = events[("visit.checked_in", before)]
    assert (erased["visitor"]["name"], erased["visitor"]["phone"]) == ("", "")
    assert erased["visit"]["id"] == before  # the visit still counts
    parse_event("visit.checked_in", erased)  # and still parses, as head office parses it
    assert events[("visit.checked_in", other)]["visitor"]["name"] == OTHER
    assert events[("visit.checked_in", after)]["visitor"]["name"] == NAME
    texts = [json.dumps(p, ensure_ascii=False) for k, p in events.items() if k[1] != after]
    assert not [t for t in texts if NAME in t or MOBILE in t]
    store.close()
    assert clear_bytes_of(tmp_path, (MOBILE,)) == []  # only the later visit's, sealed

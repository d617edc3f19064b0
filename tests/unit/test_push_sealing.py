"""A push seals each column of its batch in one call and opens nothing it just sealed (issue 23).

The ``visitor.known`` announcements after the fold read the visitors' sealed columns raw and take
the values in clear that the same push sealed (``sealing.remembering``, forgotten when the push
returns); a value another write left (a merge's survivor) is opened with the cipher. Real
engine, Alembic schema and master secret (``migrate``), the engine's real cipher counted.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sync.protocol import EventIn
from sync.server import folding, sealing
from sync.server.api.sites_routes import create_site_record
from sync.server.db import make_engine, make_sessionmaker
from sync.server.migrate import migrate
from sync.server.models import Change, Kiosk, Visitor

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


class CountingFields:
    """The engine's cipher, counting what it opens and how often it seals one by one."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.opened: Counter[tuple[str, str]] = Counter()
        self.single_seals = 0

    def seal(self, value: str, table: str, column: str) -> str:
        self.single_seals += 1
        return self.inner.seal(value, table, column)

    def seal_many(self, values, table: str, column: str) -> list[str]:
        return self.inner.seal_many(values, table, column)

    def open(self, text, table: str, column: str) -> str:
        self.opened[(table, column)] += 1
        return self.inner.open(text, table, column)

    def digest(self, value: str, table: str, column: str) -> str:
        return self.inner.digest(value, table, column)


@pytest.fixture
def head_office(tmp_path):
    url = f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)  # schema and master secret: the site has a blind-index key
    fields = CountingFields(sealing.fields_of(engine.dialect))
    sealing.install(engine, url, fields)
    sessions = make_sessionmaker(engine)
    with sessions() as s, s.begin():
        create_site_record(s, id="s1", name_zh="一号", name_en="One")
        s.add(Kiosk(id="ka", site_id="s1", name="", created_at=T0))
    yield sessions, fields
    engine.dispose()


def check_in(n: int, *, visitor: str, name: str, phone: str) -> EventIn:
    at = T0 + timedelta(minutes=n)
    return EventIn(
        uuid=str(uuid.uuid4()),
        kind="visit.checked_in",
        entity_id=f"v{n}",
        occurred_at=at,
        hlc=f"{int(at.timestamp() * 1000):013d}000000-ka",
        payload={
            "visit": {
                **{"id": f"v{n}", "site_id": "s1", "kiosk_id": "ka", "visitor_id": visitor},
                **{"state": "checked_in", "purpose": "meeting", "host_id": "h1"},
                **{"department_id": None, "badge_code": "", "consent_version": ""},
                "invitation_id": None,
                **{"created_at": at.isoformat(), "checked_in_at": at.isoformat()},
            },
            "visitor": {
                "id": visitor,
                "name": name,
                "phone": phone,
                "company": "示例公司",
                "category": "",
            },
            "language": "zh_CN",
        },
    )


def _push(sessions, events: list[EventIn]) -> None:
    with sessions() as s, s.begin():
        kiosk = s.get(Kiosk, "ka")
        out = folding.push(s, kiosk=kiosk, events=events)
        assert len(out.stored) == len(events), out.rejected
        assert not [k for k in s.info if "clear" in k]  # nothing kept past the push


def _known(sessions) -> dict[str, dict]:
    with sessions() as s:
        rows = s.scalars(select(Change).where(Change.kind == "visitor.known"))
        return {c.entity_id: c.payload for c in rows}


def test_a_push_announces_its_visitors_without_opening_what_it_sealed(head_office) -> None:
    sessions, fields = head_office
    events = [check_in(n, visitor=f"p{n}", name="张伟", phone=f"1380000{n:04d}") for n in range(30)]
    _push(sessions, events)
    known = _known(sessions)
    assert sorted(known) == sorted(f"p{n}" for n in range(30))
    assert {(k["masked_name"], k["masked_company"]) for k in known.values()} == {("张*", "示***")}
    assert not [c for c in fields.opened if c[0] == "visitors"]  # nothing opened again
    assert fields.single_seals == 0  # every sealed column of the batch in one call
    with sessions() as s:  # and what was stored opens to the values
        assert s.get(Visitor, "p7").name == "张伟"
        assert s.get(Visitor, "p7").phone == "13800000007"


def test_a_value_another_write_left_is_opened(head_office) -> None:
    sessions, fields = head_office
    _push(sessions, [check_in(1, visitor="p-first", name="张伟", phone="13912345678")])
    # the same number from another kiosk's record, later: merged into the first record, which
    # takes the latest details through the ORM (a token this push's bulk seal did not make)
    _push(sessions, [check_in(2, visitor="p-second", name="李娜", phone="13912345678")])
    assert _known(sessions)["p-first"]["masked_name"] == "李*"
    assert fields.opened[("visitors", "name")] >= 1

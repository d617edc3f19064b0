"""A pull page sends each stored payload as head office stored it: opened, never parsed.

On a real SQLite database migrated by Alembic, with the server's real field cipher: the
changes' and pushed events' payloads are sealed at rest, and the page the pull route writes
(``pull_pages.read_page`` and ``FeedPage.json``) reads back, through the kiosk's own
``PullOut``, as exactly those payloads; a page is bounded by its payloads' bytes too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from sync.protocol import PullOut
from sync.server import limits
from sync.server.api.sites_routes import create_site_record
from sync.server.db import make_engine, make_sessionmaker
from sync.server.migrate import upgrade
from sync.server.models import Change, Event, Kiosk, Site
from sync.server.pull_pages import read_page
from sync.server.security import digest

#: what the feed's changes carry: text in both languages, nesting, numbers, nothing
PAYLOADS = [
    {"id": "d1", "name_zh": '前台 "东"\\门', "name_en": "Desk\n east", "floor": "3"},
    {"id": "h1", "notify_urls": ["mailto://a@example.com"], "away": False, "n": 12, "x": None},
    {},
]
#: a visit another kiosk pushed: its change sends the event's own payload
VISIT = {"visit": {"id": "v1", "purpose": "面试"}, "visitor": {"name": "张三", "phone": ""}}


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ho.sqlite3'}")
    upgrade(engine)
    now = datetime.now(UTC)
    with make_sessionmaker(engine)() as session, session.begin():
        create_site_record(session, id="s1", name_zh="一号", name_en="One")
        session.add(Kiosk(id="k1", site_id="s1", token_hash=digest("tok"), created_at=now))
        session.add(
            Event(
                uuid="e1",
                site_id="s1",
                kiosk_id="k2",
                kind="visit.checked_in",
                entity_id="v1",
                occurred_at=now,
                hlc="",
                payload=VISIT,
                received_at=now,
            )
        )
        for seq, payload in enumerate(PAYLOADS, start=1):
            session.add(
                Change(
                    site_id="s1",
                    seq=seq,
                    kind="department.upserted",
                    entity_id=f"x{seq}",
                    hlc=f"hlc-{seq}",
                    payload=payload,
                    created_at=now,
                )
            )
        session.add(
            Change(
                site_id="s1",
                seq=4,
                kind="visit.checked_in",
                entity_id="v1",
                hlc="",
                payload={},
                origin_kiosk_id="k2",
                event_uuid="e1",
                created_at=now,
            )
        )
        session.get(Site, "s1").change_seq = 4
    yield engine
    engine.dispose()


def _page(engine, after: int = 0, limit: int = 100) -> PullOut:
    found = read_page(engine, digest("tok"), after, limit, False)
    assert found is not None and found[1] == "s1"
    return PullOut.model_validate_json(found[0].json())


def test_a_page_sends_the_stored_payloads_as_they_were_written(engine) -> None:
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT payload FROM changes ORDER BY seq")).scalars().all()
        event = conn.execute(text("SELECT payload FROM events")).scalar_one()
    assert all(p.startswith("pf1.") for p in [*stored[:2], event])  # sealed at rest
    page = _page(engine)
    assert [c.payload for c in page.changes] == [*PAYLOADS, VISIT]
    assert [(c.cursor, c.kind, c.entity_id, c.hlc) for c in page.changes][:2] == [
        (1, "department.upserted", "x1", "hlc-1"),
        (2, "department.upserted", "x2", "hlc-2"),
    ]
    assert (page.cursor, page.more) == (4, False)
    assert _page(engine, after=4) == PullOut(changes=[], cursor=4, more=False)


def test_a_page_is_bounded_by_its_payloads_bytes(engine, monkeypatch) -> None:
    # the first payload's bytes and a little: the second no longer fits
    monkeypatch.setattr(limits, "MAX_PULL_BYTES", 120)
    page = _page(engine)
    assert [c.cursor for c in page.changes] == [1]
    assert (page.cursor, page.more) == (1, True)
    assert [c.cursor for c in _page(engine, after=1, limit=2).changes] == [2, 3]

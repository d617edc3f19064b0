"""The idle round's one read (``sync/server/idle_pulls.py``): "nothing new" only for a kiosk
whose token is good now and whose plain cursor is at or past its site's mark; the full pull
read for everything else (changes waiting, a snapshot cursor, one below the horizon, an
unknown or revoked token)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from sync.protocol import PullOut
from sync.server import compaction
from sync.server.db import make_engine, reading
from sync.server.idle_pulls import empty_answer, nothing_new
from sync.server.models import Kiosk, Site
from sync.server.security import digest, new_kiosk_token
from tests.support.harness import HeadOffice


def test_nothing_new_only_at_the_mark_for_a_good_token(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    ho = HeadOffice(url)
    ho.add_site("bench")
    token, now = new_kiosk_token(), datetime.now(UTC)
    with ho.sessions() as s, s.begin():
        s.add(Kiosk(id="k1", site_id="bench", token_hash=digest(token), created_at=now))
        s.execute(update(Site).values(change_seq=20))
    ho.close()
    mark = 20
    engine = make_engine(url)
    read, token_hash = reading(engine), digest(token)
    try:
        assert nothing_new(read, token_hash, mark) == "bench"
        assert nothing_new(read, token_hash, mark + 5) == "bench"  # past it (a restored server)
        assert nothing_new(read, token_hash, mark - 1) is None  # a change waits
        assert nothing_new(read, digest("kt_unknown"), mark) is None
        snapshot = compaction.snapshot_cursor(3, mark)
        assert nothing_new(read, token_hash, snapshot) is None
        with engine.begin() as conn:
            conn.execute(update(Site).values(compacted_seq=mark + 10, change_seq=mark + 20))
        assert nothing_new(read, token_hash, mark) is None  # below the horizon: resync
        assert nothing_new(read, token_hash, mark + 20) == "bench"
        with engine.begin() as conn:
            conn.execute(update(Kiosk).values(revoked_at=datetime.now(UTC)))
        assert nothing_new(read, token_hash, mark + 20) is None  # revoked: refused at once
    finally:
        engine.dispose()


def test_the_empty_answer_is_what_the_model_writes() -> None:
    for after in (0, 7, 2**61 + 5):
        written = PullOut(changes=[], cursor=after, more=False).model_dump_json().encode()
        assert empty_answer(after) == written

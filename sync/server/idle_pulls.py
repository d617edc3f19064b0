"""The idle round's answer: "nothing new" from one indexed read through the database driver.

Every idle kiosk pulls with its site's mark every round, so this is the request head office
answers most. ``nothing_new`` checks the token (the kiosk's row, not revoked: read afresh on
every request, no cache) and reads its site's mark and compaction horizon in one statement on
the pool's connection, without SQLAlchemy's statement machinery (which cost three times the
read itself: the ``pull_empty`` profile); the answer is written without a model. Anything else
(a cursor below the mark, one from a snapshot or below the horizon, an unknown or revoked token)
takes the pull's full read (``pull_pages.read_page``), which answers exactly as before.

Must never: answer from anything but a read made for this request, or move the cursor.
"""

from __future__ import annotations

from sqlalchemy import Engine

from . import compaction

_SQL = (
    "SELECT sites.id, sites.change_seq, sites.compacted_seq FROM kiosks JOIN sites ON sites.id = "
    "kiosks.site_id WHERE kiosks.token_hash = {p} AND kiosks.revoked_at IS NULL"
)
_PLACEHOLDER = {"sqlite": "?", "postgresql": "%s"}


def nothing_new(engine: Engine, token_hash: str, after: int) -> str | None:
    """The site of the kiosk holding the token when that site has nothing after ``after`` (a
    plain cursor at or past the mark, not below the horizon); None for anything else."""
    placeholder = _PLACEHOLDER.get(engine.dialect.name)
    if placeholder is None:  # another database: the full read only
        return None
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(_SQL.format(p=placeholder), (token_hash,))
            row = cursor.fetchone()
        finally:
            cursor.close()
    if row is None:
        return None  # unknown or revoked: the full read refuses it
    top, horizon = int(row[1] or 0), int(row[2] or 0)
    if compaction.reading_from(after, horizon) != after or after < top:
        return None
    return str(row[0])


def empty_answer(after: int) -> bytes:
    """``PullOut(changes=[], cursor=after, more=False)`` as JSON."""
    return b'{"changes":[],"cursor":%d,"more":false}' % after

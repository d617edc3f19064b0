"""``kiosk-server rotate-keys``: head office's sealed columns moved to a new data key, online.

The server's mirror of ``kiosk rotate-keys`` (``kiosk/core/privacy/migrate.rotate_keys``). A new
version is written first to the data key file (atomically, the older versions kept: a value
sealed with one still opens), every server process takes it up within a second
(``FieldCipher._follow``), then each column of ``sealing.SEALED`` is sealed again in small
batches, one short transaction each, so kiosks' pushes and pulls go on meanwhile. A value is
only replaced if it is still the one read (``WHERE column = old``): a row a server process
rewrote in between keeps what that process wrote.

Interrupted (``kill -9``, a power cut) it loses nothing: every batch committed is under the new
key, the rest still under an older one the key file keeps. The next ``rotate-keys`` sees values
left under an older version and finishes that rotation instead of starting another one.

Must never: drop an older key version (a backup or a value not yet moved needs it), log a value.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, text

from kiosk.core.config.errors import ConfigError
from kiosk.core.privacy.fields import FieldCipher

from .sealing import SEALED, fields_of

log = logging.getLogger(__name__)

#: values sealed again per transaction
BATCH = 200
#: how long every server process may still seal with the previous key (its cipher looks at
#: the key file once a second), so the sweep after it finds what they sealed meanwhile
FOLLOW_SECONDS = 1.2
#: the primary key of each sealed table (``id`` when not listed)
_KEYS = {"events": "uuid", "emergency_entries": "entry_id"}


@dataclass(frozen=True, slots=True)
class Rotation:
    version: int
    #: True: an interrupted rotation to ``version`` was finished, no new key made
    resumed: bool
    moved: int


def behind(engine: Engine, version: int) -> int:
    """How many sealed values are still under a key older than ``version``."""
    total = 0
    with engine.connect() as conn:
        for table, column, _ in SEALED:
            total += conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE {_older(column)}"),
                {"current": f"pf1.{version}.%"},
            ).scalar_one()
    return total


def rotate_keys(
    engine: Engine,
    *,
    batch: int = BATCH,
    pause: float = 0.0,
    progress: Callable[[str, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Rotation:
    """A new data key (or the unfinished rotation's), then every sealed value under it.
    ``pause`` seconds between batches leave the database to the serving processes."""
    fields = fields_of(engine.dialect)
    if not isinstance(fields, FieldCipher):
        raise ConfigError("this server keeps its values in clear: nothing to rotate")
    resumed = behind(engine, fields.version) > 0
    if not resumed:
        fields.rotate()
        log.info("data key v%d written; re-sealing head office's personal columns", fields.version)
    sleep(FOLLOW_SECONDS)  # every serving process seals with the new key from now on
    moved = 0
    for _ in range(3):  # the sweeps after the first find what was sealed before they followed
        moved += _reseal(engine, fields, batch=batch, pause=pause, progress=progress, sleep=sleep)
        if behind(engine, fields.version) == 0:
            break
        sleep(FOLLOW_SECONDS)
    left = behind(engine, fields.version)
    if left:
        raise ConfigError(f"{left} values are still under an older key: run rotate-keys again")
    return Rotation(fields.version, resumed, moved)


def _reseal(
    engine: Engine,
    fields: FieldCipher,
    *,
    batch: int,
    pause: float,
    progress: Callable[[str, int], None] | None,
    sleep: Callable[[float], None],
) -> int:
    moved = 0
    current = {"current": f"pf1.{fields.version}.%"}
    for table, column, _ in SEALED:
        key = _KEYS.get(table, "id")
        pick = text(
            f"SELECT {key}, {column} FROM {table} WHERE {_older(column)} ORDER BY {key} "
            f"LIMIT {int(batch)}"
        )
        put = text(f"UPDATE {table} SET {column} = :new WHERE {key} = :key AND {column} = :old")
        while True:
            with engine.begin() as conn:
                rows = conn.execute(pick, current).all()
                for row_key, old in rows:
                    new = fields.seal(fields.open(old, table, column), table, column)
                    conn.execute(put, {"new": new, "key": row_key, "old": old})
            if not rows:
                break
            moved += len(rows)
            if progress is not None:
                progress(f"{table}.{column}", len(rows))
            if pause:
                sleep(pause)
    return moved


def _older(column: str) -> str:
    return f"{column} LIKE 'pf1.%' AND {column} NOT LIKE :current"


def rotate_command(engine: Engine, *, batch: int, pause: float) -> int:
    """``kiosk-server rotate-keys``: one progress line per batch on stdout."""

    def progress(column: str, count: int) -> None:
        print(f"  {column}: {count} re-sealed", flush=True)

    done = rotate_keys(engine, batch=batch, pause=pause, progress=progress)
    verb = "finished the rotation to" if done.resumed else "rotated to"
    print(f"{verb} data key v{done.version}: {done.moved} sealed values re-sealed with it")
    return 0

"""The one schema sequence (``PRAGMA user_version``) assembled from the repositories' steps.

Each repository module declares the steps that create and change its own tables::

    SCHEMA = (
        Step(1, "CREATE TABLE visitors (...)"),
        Step(7, "ALTER TABLE visitors ADD COLUMN ..."),
    )

and is named in ``OWNERS``. Version ``n`` of the database is every step numbered ``n``, run
in ``OWNERS`` order in one transaction that also sets ``user_version = n``. The versions must
run 1, 2, … with no gap and no step above the newest: ``migrations()`` checks that, so a step
numbered wrongly fails every store test instead of shipping. A new step takes the next free
number (``SCHEMA_VERSION + 1``); a step that has shipped is never edited, only followed.

Must never: import the store or a repository at import time (the store imports this module;
repositories import ``Step`` from it), or run SQL itself.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass

#: the modules whose ``SCHEMA`` steps make up the database, in the order a version's parts run
OWNERS: tuple[str, ...] = (
    "kiosk.core.store.directory",
    "kiosk.core.store.visitors",
    "kiosk.core.store.invitations",
    "kiosk.core.store.visits",
    "kiosk.core.store.early_checkouts",
    "kiosk.core.store.watchlist",
    "kiosk.core.store.outbox",
    "kiosk.core.store.kv",
    "kiosk.core.store.notify_deliveries",
    "kiosk.core.store.print_jobs",
    "kiosk.core.store.alerts",
    "kiosk.core.store.quarantine",
    "kiosk.core.store.pulled_quarantine",
    "kiosk.core.store.staff",
    "kiosk.core.store.audit",
    "kiosk.core.store.reception",
    "kiosk.core.store.alert_deliveries",
    "kiosk.core.store.tickets",
    "kiosk.core.store.parcels",
    "kiosk.core.store.report_rows",
    "kiosk.core.store.emergency",
    "kiosk.core.store.id_numbers",
)


@dataclass(frozen=True, slots=True)
class Step:
    """Part of one schema version: SQL statements separated by ``;`` (no ``;`` inside one)."""

    version: int
    sql: str

    def statements(self) -> list[str]:
        return split_sql(self.sql)


@dataclass(frozen=True, slots=True)
class Version:
    """Everything that moves the schema from ``number - 1`` to ``number``."""

    number: int
    parts: tuple[tuple[str, Step], ...]  # (owner module, step)

    def statements(self) -> list[str]:
        return [s for _, step in self.parts for s in step.statements()]


_cache: list[Version] | None = None
_cache_lock = threading.Lock()


def migrations() -> list[Version]:
    """The schema versions, oldest first; ``ValueError`` when the owners' steps leave a gap."""
    global _cache
    with _cache_lock:
        if _cache is None:
            _cache = _assemble(OWNERS)
        return _cache


def _assemble(owners: tuple[str, ...]) -> list[Version]:
    by_version: dict[int, list[tuple[str, Step]]] = {}
    for owner in owners:
        steps = getattr(importlib.import_module(owner), "SCHEMA", None)
        if not steps:
            raise ValueError(f"{owner} is named in OWNERS but declares no SCHEMA steps")
        for step in steps:
            if step.version < 1:
                raise ValueError(f"{owner}: schema step numbered {step.version}")
            by_version.setdefault(step.version, []).append((owner, step))
    newest = max(by_version, default=0)
    missing = [n for n in range(1, newest + 1) if n not in by_version]
    if missing:
        raise ValueError(f"schema versions {missing} have no step (the newest is {newest})")
    return [Version(n, tuple(by_version[n])) for n in range(1, newest + 1)]


def schema_version() -> int:
    """The newest schema version this kiosk knows."""
    return len(migrations())


def split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]

"""The audit log: every staff action, entry, failed PIN and lock, hash-chained, append-only.

Each entry's ``hash`` is SHA-256 over its own fields and the previous entry's hash
(``prev_hash``; the first entry's is 64 zeros), so changing, removing or reordering any entry
breaks the chain from there on; ``kv`` ``audit.head`` (the last ``seq:hash``, written in the
same transaction) catches a removed last entry. ``record`` writes the entry and its
``audit.recorded`` event in the caller's transaction (head office keeps a copy per kiosk,
out of reach of whoever edits this kiosk's database). ``verify`` walks the chain
(``kiosk audit verify``).

Actors are pseudonymous: a staff member's random id (``st-…``), ``system`` or ``cli``; never a
name. The privacy issue records views and exports of personal data here through the same
``record`` with ``subject_kind``/``fields``.

Must never: update or delete an entry, or open a transaction of its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.core.config.clock import iso
from kiosk.core.events import AuditRecorded
from kiosk.core.store import audit as table
from kiosk.core.store.database import Store, Transaction, new_id

GENESIS = "0" * 64
_HASHED = (
    "seq",
    "id",
    "at",
    "site_id",
    "kiosk_id",
    "actor",
    "role",
    "action",
    "subject_kind",
    "subject_id",
    "fields",
    "reason",
    "details",
    "prev_hash",
)


def entry_hash(values: Mapping[str, Any]) -> str:
    """The hash of one entry: canonical JSON of its fields (``details`` as stored text)."""
    body = json.dumps([values[name] for name in _HASHED], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a pseudonymous id and their role ("" for system and the command line)."""

    id: str
    role: str = ""


SYSTEM = Actor("system")
CLI = Actor("cli")


def record(
    tx: Transaction,
    actor: Actor,
    action: str,
    *,
    site_id: str,
    kiosk_id: str,
    subject_kind: str = "",
    subject_id: str = "",
    fields: str = "",
    reason: str = "",
    details: Mapping[str, str] | None = None,
) -> str:
    """Append one entry and its ``audit.recorded`` event; returns the entry's hash."""
    previous = table.last(tx)
    seq = (previous["seq"] + 1) if previous else 1
    now = tx.clock.now()
    values: dict[str, Any] = {
        "seq": seq,
        "id": new_id(),
        "at": iso(now),
        "site_id": site_id,
        "kiosk_id": kiosk_id,
        "actor": actor.id,
        "role": actor.role,
        "action": action,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "fields": fields,
        "reason": reason,
        "details": json.dumps(dict(details or {}), ensure_ascii=False, sort_keys=True),
        "prev_hash": previous["hash"] if previous else GENESIS,
    }
    values["hash"] = entry_hash(values)
    event = AuditRecorded(  # validates before the row is written
        entry_id=values["id"],
        seq=seq,
        at=now,
        site_id=site_id,
        kiosk_id=kiosk_id,
        actor=actor.id,
        role=actor.role,
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        fields=fields,
        reason=reason,
        details=dict(details or {}),
        prev_hash=values["prev_hash"],
        hash=values["hash"],
    )
    table.append(tx, values)
    tx.emit(event)
    return str(values["hash"])


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    what: str  # "altered", "missing", "out of order", "head"

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.what}"


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_rows(rows: list[Mapping[str, Any]], head: str = "") -> Verification:
    """Check a chain given as rows in ``seq`` order (the kiosk's table, or head office's
    copy of one kiosk's); ``head`` is the expected last ``seq:hash`` when known."""
    problems: list[Problem] = []
    expected_prev = GENESIS
    expected_seq = 1
    for row in rows:
        seq = int(row["seq"])
        if seq != expected_seq:
            problems.append(Problem(expected_seq, "missing"))
        if row["prev_hash"] != expected_prev and seq == expected_seq:
            problems.append(Problem(seq, "out of order (its previous hash does not match)"))
        if entry_hash(row) != row["hash"]:
            problems.append(Problem(seq, "altered (its hash does not match its contents)"))
        expected_prev = row["hash"]
        expected_seq = seq + 1
    last = f"{rows[-1]['seq']}:{rows[-1]['hash']}" if rows else ""
    if head and last != head:
        head_seq = head.partition(":")[0]
        problems.append(
            Problem(int(head_seq) if head_seq.isdigit() else 0, "missing (the chain ends early)")
        )
    return Verification(len(rows), tuple(problems))


def verify(store: Store) -> Verification:
    """Walk the kiosk's whole audit log."""
    rows: list[Mapping[str, Any]] = []
    after = 0
    while True:
        page = table.rows(store, after=after, limit=5000)
        if not page:
            break
        rows.extend(dict(r) for r in page)
        after = page[-1]["seq"]
    return verify_rows(rows, table.head(store))


def recent(store: Store, *, limit: int = 100) -> list[dict[str, Any]]:
    """The newest entries first (the console's audit view)."""
    return [dict(r) for r in table.recent(store, limit=limit)]

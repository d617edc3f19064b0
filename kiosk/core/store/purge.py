"""The retention purge's statements: personal fields older than a cutoff emptied in place.

Rows stay (a visit keeps its purpose, department, host, kiosk and times; a visitor row keeps
its id and category), so counts and reports come out the same after a purge; only what names
or reaches a person is emptied. ``PRAGMA secure_delete`` (``database.py``) zeroes the freed
bytes. Each function returns how many rows it changed; all take the caller's transaction.

Must never: delete a visit, touch a visit still checked in, or an outbox event a consumer
has not handled yet.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from kiosk.core.tickets import anonymise
from kiosk.core.tickets.model import DONE

if TYPE_CHECKING:
    from kiosk.core.store.database import Transaction


def visits(tx: Transaction, cutoff: str) -> int:
    """Notes and badge codes of visits that ended before ``cutoff``."""
    return tx.execute(
        "UPDATE visits SET note = '', badge_code = '' WHERE state != 'checked_in' "
        "AND coalesce(checked_out_at, checked_in_at, created_at) < ? "
        "AND (note != '' OR badge_code != '')",
        (cutoff,),
    ).rowcount


def corrections(tx: Transaction, cutoff: str) -> int:
    """Corrections (old and new values, reasons) made before ``cutoff``."""
    return tx.execute(
        "UPDATE visit_annotations SET old_value = '', new_value = '', reason = '' "
        "WHERE at < ? AND (old_value != '' OR new_value != '' OR reason != '')",
        (cutoff,),
    ).rowcount


def visitors(tx: Transaction, cutoff: str) -> int:
    """Visitors with no visit open or ended since ``cutoff``: name, number, company and the
    number's index emptied (a returning visitor is then a new one)."""
    return tx.execute(
        "UPDATE visitors SET name = '', phone = '', company = '', phone_key = '' "
        "WHERE updated_at < ? AND (name != '' OR phone != '' OR company != '' OR phone_key != '') "
        "AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.visitor_id = visitors.id AND "
        "(v.state = 'checked_in' "
        "OR coalesce(v.checked_out_at, v.checked_in_at, v.created_at) >= ?))",
        (cutoff, cutoff),
    ).rowcount


def invitations(tx: Transaction, cutoff: str) -> int:
    """Invitations whose validity ended before ``cutoff``."""
    return tx.execute(
        "UPDATE invitations SET visitor_name = '', phone = '', phone_key = '', company = '' "
        "WHERE coalesce(valid_until, valid_from) < ? "
        "AND (visitor_name != '' OR phone != '' OR company != '')",
        (cutoff,),
    ).rowcount


def deliveries(tx: Transaction, cutoff: str) -> int:
    """Host and alert messages written before ``cutoff``, sent or not (an alert delivery's URL
    too), and the details of alerts acknowledged and raised before it."""
    changed = tx.execute(
        "UPDATE notify_deliveries SET subject = '', body_text = '', body_html = '' "
        "WHERE created_at < ? AND (subject != '' OR body_text != '' OR body_html != '')",
        (cutoff,),
    ).rowcount
    return (
        changed
        + tx.execute(
            "UPDATE alert_deliveries SET subject = '', body_text = '', url = '', channel = '' "
            "WHERE created_at < ? AND (subject != '' OR body_text != '' OR url != '')",
            (cutoff,),
        ).rowcount
        + tx.execute(
            "UPDATE alerts SET details = '{}' WHERE raised_at < ? "
            "AND acknowledged_at IS NOT NULL AND details != '{}'",
            (cutoff,),
        ).rowcount
    )


def print_jobs(tx: Transaction, cutoff: str) -> int:
    """Settled print jobs before ``cutoff``: the printer's reference and error text."""
    return tx.execute(
        "UPDATE print_jobs SET printer_ref = '', error = '' WHERE state IN ('printed', 'failed') "
        "AND created_at < ? AND (printer_ref != '' OR error != '')",
        (cutoff,),
    ).rowcount


def payloads(tx: Transaction, cutoff: str) -> int:
    """Outbox payloads before ``cutoff`` that every consumer has handled, and pulled changes
    kept aside before it: emptied to ``{}`` (kind, entity, times stay)."""
    handled = tx.execute("SELECT coalesce(min(position), 0) FROM outbox_positions").fetchone()[0]
    changed = tx.execute(
        "UPDATE outbox SET payload = '{}' WHERE occurred_at < ? AND seq <= ? AND payload != '{}'",
        (cutoff, handled),
    ).rowcount
    return (
        changed
        + tx.execute(
            "UPDATE pulled_quarantine SET payload = '{}' WHERE quarantined_at < ? "
            "AND payload != '{}'",
            (cutoff,),
        ).rowcount
    )


def tickets(tx: Transaction, cutoff: str) -> int:
    """Tickets raised before ``cutoff`` and resolved, confirmed or closed: the raised record's
    and every entry's personal fields emptied (``tickets.anonymise``); returns how many tickets
    held anything. Sealed columns cannot be compared in SQL: they are opened and only changed
    ones written back."""
    marks = ",".join("?" * len(DONE))
    found = tx.execute(
        f"SELECT id, raised FROM tickets WHERE raised_at < ? AND status IN ({marks})",
        (cutoff, *DONE),
    ).fetchall()
    count = 0
    for ticket_id, sealed in found:
        changed = _reseal(tx, "tickets", "raised", "id", ticket_id, sealed, anonymise.raised)
        for entry_id, entry in tx.execute(
            "SELECT id, entry FROM ticket_entries WHERE ticket_id = ?", (ticket_id,)
        ).fetchall():
            changed |= _reseal(
                tx, "ticket_entries", "entry", "id", entry_id, entry, anonymise.entry
            )
        count += changed
    return count


def _reseal(
    tx: Transaction, table: str, column: str, key: str, key_value: str, sealed: str, change: Any
) -> bool:
    record = json.loads(tx.fields.open(sealed, table, column))
    after = change(record)
    if after == record:
        return False
    tx.execute(
        f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
        (tx.fields.seal(json.dumps(after, ensure_ascii=False), table, column), key_value),
    )
    return True


def erase_visitors(tx: Transaction, visitor_ids: list[str]) -> int:
    """A person's erasure: the visitors' personal fields, their visits' notes and badge codes,
    corrections, messages and handled outbox payloads; returns how many visitor rows held
    anything."""
    marks = ",".join("?" * len(visitor_ids))
    visits = f"SELECT id FROM visits WHERE visitor_id IN ({marks})"
    ids = tuple(visitor_ids)
    held = tx.execute(
        f"UPDATE visitors SET name = '', phone = '', company = '', phone_key = '' "
        f"WHERE id IN ({marks}) AND (name != '' OR phone != '' OR company != '' "
        "OR phone_key != '')",
        ids,
    ).rowcount
    tx.execute(f"UPDATE visits SET note = '' WHERE visitor_id IN ({marks})", ids)
    tx.execute(
        "UPDATE visit_annotations SET old_value = '', new_value = '', reason = '' "
        f"WHERE visit_id IN ({visits})",
        ids,
    )
    tx.execute(
        "UPDATE notify_deliveries SET subject = '', body_text = '', body_html = '' "
        f"WHERE visit_id IN ({visits})",
        ids,
    )
    handled = tx.execute("SELECT coalesce(min(position), 0) FROM outbox_positions").fetchone()[0]
    tx.execute(
        f"UPDATE outbox SET payload = '{{}}' WHERE seq <= ? AND entity_id IN ({visits})",
        (handled, *ids),
    )
    return int(held)

"""What head office tells a kiosk about the site's visitors as a whole (pull handlers): a
conflict between two kiosks for the desk, a visitor another kiosk met (masked, so a returning
number is recognised here), and two records of one person made one.

Registered in ``sync/apply.py``; each handler is idempotent (a change may come twice).
"""

from __future__ import annotations

from kiosk.core.alerts import record_alert
from kiosk.core.events import ConflictRecorded, VisitorKnown, VisitorMerged
from kiosk.core.store.database import Transaction
from kiosk.core.store.records import Records


def conflict_recorded(records: Records, tx: Transaction, e: ConflictRecorded) -> None:
    """A conflict head office found between the site's kiosks: the desk gets its alert."""
    details = {"conflict_id": e.conflict_id, "subject_id": e.subject_id, "visit_id": e.visit_id}
    if e.other_visit_id:
        details["other_visit_id"] = e.other_visit_id
    record_alert(
        tx,
        e.alert_id,
        f"conflict.{e.conflict}",
        severity=e.severity,
        message_key=e.message_key,
        details=details,
        site_id=e.site_id,
        raised_at=e.raised_at,
        visit_id=e.visit_id,
    )


def visitor_known(records: Records, tx: Transaction, e: VisitorKnown) -> None:
    """A visitor of another kiosk of the site: masked, so the number is recognised here."""
    current = getattr(records.codec, "current", None)  # the keyed codec's key (blind_index.py)
    if current is None or current.version != e.key_version:
        return  # indexed under another key than this kiosk's: it would never match
    records.add_known_visitor(
        tx,
        visitor_id=e.visitor_id,
        phone_key=e.phone_key,
        masked_name=e.masked_name,
        masked_company=e.masked_company,
        category=e.category,
        seen_at=e.last_visit_at,
    )


def visitor_merged(records: Records, tx: Transaction, e: VisitorMerged) -> None:
    """Head office made two records of one person one: this kiosk's visits follow."""
    records.merge_visitor(tx, e.merged_id, e.visitor_id)

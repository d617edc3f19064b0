"""Applying pulled changes on the kiosk: a dispatch table keyed by change kind.

Every change is parsed through the event registry (``kiosk.core.events.parse_event``) first; a
change that does not parse, or that its handler finds malformed, is skipped and recorded as an
alert (``kiosk.core.alerts``, kind ``sync.bad_change``), never raised into the pull loop. Each
handler gets the kiosk's ``Records``, the open ``Transaction`` and the typed event, and writes
through ``Records`` inside that transaction; the sync worker stores the new cursor in the same
transaction, so a crash never leaves a change applied without its cursor or the reverse.

Other features add their kinds with ``register("host.replied", handler)`` (a kind the registry
knows). A kind nobody registered is skipped (a newer server must not stop an older kiosk).
Handlers must be idempotent: after a crash between the server's answer and the commit, a change
comes again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from kiosk.core.alerts import mark_acknowledged, raise_alert
from kiosk.core.backup.resync import KIND as HEAD_OFFICE_RESTORED
from kiosk.core.backup.resync import head_office_restored
from kiosk.core.config.errors import ConstraintError, ValidationError
from kiosk.core.deliveries import pulled as parcels_pulled
from kiosk.core.emergency.pulled import FED_KINDS as EMERGENCY_FED
from kiosk.core.emergency.pulled import entry_change as emergency_entry_change
from kiosk.core.events import (
    AlertAcknowledged,
    HostReplied,
    VisitCheckedIn,
    VisitCheckedOut,
    VisitDenied,
    event_class,
    parse_event,
)
from kiosk.core.keys.site_keys import ROTATED_KIND, key_rotated_change
from kiosk.core.models import (
    Visit,
    VisitState,
)
from kiosk.core.notify.replies import handle_host_replied
from kiosk.core.privacy.erasure import visitor_erased
from kiosk.core.reception.pulled import badge_change, staff_upserted_change, visit_decided_change
from kiosk.core.store import reception as decisions
from kiosk.core.store.database import Transaction
from kiosk.core.store.early_checkouts import EarlyCheckout
from kiosk.core.store.records import Records
from kiosk.core.tickets.pulled import ticket_raised_change, ticket_updated_change
from kiosk.core.visits.site_changes import conflict_recorded, visitor_known, visitor_merged
from kiosk.core.wayfinding.building_store import building_updated

from . import attention
from .apply_directory import (
    department_deleted,
    department_upserted,
    ensure_site,
    feed_resync,
    host_deleted,
    host_upserted,
    invitation_upserted,
    site_map,
    site_settings,
    site_updated,
    watchlist_deleted,
    watchlist_upserted,
)
from .protocol import ChangeOut

log = logging.getLogger(__name__)

#: a handler of one kind: it gets the change parsed into that kind's model
Handler = Callable[[Records, Transaction, Any], None]
HANDLERS: dict[str, Handler] = {}
#: a handler that also needs the change's hybrid-clock stamp (``stamp=``): the kinds where
#: "the first one stands" is decided by the stamp, as head office decides it
STAMPED: dict[str, Callable[..., None]] = {}
#: the alert a change that cannot be applied raises (for the receptionist, not the visitor)
BAD_CHANGE_ALERT = "sync.bad_change"

#: the kinds that change what host search finds: after a pull that applied one of them, the
#: kiosk rebuilds its search index (``kiosk.core.input.live_search``)
DIRECTORY_KINDS = frozenset(
    {"department.upserted", "department.deleted", "host.upserted", "host.deleted", "feed.resync"}
)


def touches_directory(kinds: frozenset[str] | set[str]) -> bool:
    """Whether pulled changes of these kinds call for a new search index."""
    return not DIRECTORY_KINDS.isdisjoint(kinds)


def register(kind: str, handler: Handler) -> None:
    """Install (or replace) the handler for one change kind (one the event registry knows)."""
    if event_class(kind) is None:
        raise ValueError(f"{kind!r} is not in the event registry (kiosk.core.events)")
    HANDLERS[kind] = handler


def register_stamped(kind: str, handler: Callable[..., None]) -> None:
    """Install a handler that also gets the change's hybrid-clock stamp (``stamp=``)."""
    register(kind, handler)
    STAMPED[kind] = handler


#: what a malformed change raises in a handler: skipped (and recorded) rather than blocking
#: the feed forever; anything else (storage trouble, a bug) fails the page, which is retried
MALFORMED = (KeyError, ValueError, TypeError, ConstraintError)


def apply_change(
    records: Records,
    tx: Transaction,
    change: ChangeOut,
    *,
    site_id: str,
    kiosk_id: str,
    isolated: bool = True,
) -> bool:
    """Apply one change; False when no handler knows its kind or the change is malformed (then
    an alert of this kiosk, ``site_id``/``kiosk_id``, records it in the same transaction).

    ``isolated=False`` (a page applied at once, ``apply_page``): the handler runs without a
    savepoint of its own and what it raises reaches the caller, who undoes the whole page and
    applies it again change by change; a change that does not parse is still recorded here."""
    handler = HANDLERS.get(change.kind)
    if change.kind in STAMPED:
        handler = partial(STAMPED[change.kind], stamp=change.hlc)
    if handler is None:
        log.info("no handler for pulled change kind %r; skipped", change.kind)
        return False
    try:
        event = parse_event(change.kind, change.payload)
    except ValidationError as e:
        _skipped(records, tx, change, str(e.detail or e), site_id=site_id, kiosk_id=kiosk_id)
        return False
    if not isolated:
        handler(records, tx, event)
        return True
    try:
        with records.store.transaction():  # a savepoint: a failing change undoes only itself
            handler(records, tx, event)
    except MALFORMED as e:
        _skipped(records, tx, change, repr(e), site_id=site_id, kiosk_id=kiosk_id)
        return False
    return True


def _skipped(
    records: Records,
    tx: Transaction,
    change: ChangeOut,
    problem: str,
    *,
    site_id: str,
    kiosk_id: str,
):
    log.error(
        "pulled change %s (%s) is malformed, skipped: %s", change.cursor, change.kind, problem
    )
    attention.keep_aside(records.store, tx, change, problem)
    raise_alert(
        tx,
        BAD_CHANGE_ALERT,
        severity="warning",
        message_key="alert.sync_bad_change",
        details={
            "kind": change.kind[:500],
            "cursor": str(change.cursor),
            "entity_id": change.entity_id[:500],
            "problem": problem[:500],
        },
        site_id=site_id,
        kiosk_id=kiosk_id,
    )


# -- visits of the site's other kiosks -------------------------------------------------------
def visit_opened(records: Records, tx: Transaction, e: VisitCheckedIn | VisitDenied) -> None:
    """A visit another kiosk opened: copy it, so a check-out by phone or badge works here."""
    v, p = e.visit, e.visitor
    if records.exists("visits", v.id):
        if isinstance(e, VisitCheckedIn):
            _admit_if_approved(records, tx, e)
        return
    ensure_site(records, tx, v.site_id)
    kept = records.visitor(p.id)
    if kept is not None and not kept.phone and p.phone:  # a masked directory row: now in full
        records.fill_visitor_phone(tx, p.id, p.phone)
        records.update_visitor(tx, p.id, name=p.name, company=p.company, category=p.category)
    if kept is None:
        records.add_visitor(
            tx,
            name=p.name,
            phone=p.phone,
            company=p.company,
            category=p.category,
            visitor_id=p.id,
        )
    known = records.exists
    records.add_visit(
        tx,
        Visit(
            id=v.id,
            site_id=v.site_id,
            visitor_id=p.id,
            state=VisitState(v.state),
            purpose=v.purpose,
            host_id=v.host_id if known("hosts", v.host_id) else None,
            department_id=v.department_id if known("departments", v.department_id) else None,
            kiosk_id=v.kiosk_id,
            badge_code=v.badge_code,
            consent_version=v.consent_version,
            invitation_id=v.invitation_id if known("invitations", v.invitation_id) else None,
            created_at=v.created_at,
            checked_in_at=v.checked_in_at,
        ),
    )
    closed = records.take_early_checkout(tx, v.id)
    if closed is not None and v.state == VisitState.CHECKED_IN:
        # checked out (by badge here, or at another kiosk) before this check-in arrived
        records.set_visit_state(
            tx, v.id, VisitState.CHECKED_OUT, checked_out_at=closed.checked_out_at, auto=closed.auto
        )


def _admit_if_approved(records: Records, tx: Transaction, e: VisitCheckedIn) -> None:
    """A held visit another kiosk let in: admitted here too once its approval stands here
    (``kiosk.core.reception.pulled.visit_decided_change``), never over a denial that came first."""
    here = decisions.decision(records.store, e.visit.id)
    if here is None or here["decision"] != "approved" or e.visit.state != VisitState.CHECKED_IN:
        return
    decisions.admit(
        tx,
        e.visit.id,
        badge_code=e.visit.badge_code,
        at=e.visit.checked_in_at or tx.clock.now(),
        note=f"approved: {here['reason']}"[:500],
    )


def visit_closed(records: Records, tx: Transaction, e: VisitCheckedOut) -> None:
    """A check-out done at another kiosk of the site; kept until its check-in arrives when
    this kiosk has no copy of the visit yet (``early_checkouts``)."""
    visit = records.visit(e.visit_id)
    if visit is None:
        records.add_early_checkout(
            tx, EarlyCheckout(e.visit_id, e.site_id, checked_out_at=e.checked_out_at, auto=e.auto)
        )
        return
    if visit.state is not VisitState.CHECKED_IN:
        return
    records.set_visit_state(
        tx, e.visit_id, VisitState.CHECKED_OUT, checked_out_at=e.checked_out_at, auto=e.auto
    )


# -- head office's answers -------------------------------------------------------------------
def host_replied(records: Records, tx: Transaction, e: HostReplied) -> None:
    """A host's answer to a notification's reply link: the done screen shows "on the way"."""
    handle_host_replied(tx, e.payload())


def alert_acknowledged(records: Records, tx: Transaction, e: AlertAcknowledged) -> None:
    """An alert of this kiosk acknowledged at head office: the kiosk's row says so too."""
    mark_acknowledged(tx, e)


_HANDLERS: dict[str, Handler] = {
    "department.upserted": department_upserted,
    "department.deleted": department_deleted,
    "host.upserted": host_upserted,
    "host.deleted": host_deleted,
    "invitation.upserted": invitation_upserted,
    "watchlist.upserted": watchlist_upserted,
    "watchlist.deleted": watchlist_deleted,
    "site.updated": site_updated,
    "site.settings": site_settings,
    "site.map": site_map,
    "visit.checked_in": visit_opened,
    "visit.denied": visit_opened,
    "visit.checked_out": visit_closed,
    "host.replied": host_replied,
    "alert.acknowledged": alert_acknowledged,
    "conflict.recorded": conflict_recorded,
    "visitor.known": visitor_known,
    "visitor.merged": visitor_merged,
    "visitor.erased": visitor_erased,
}
for _kind, _handler in _HANDLERS.items():
    register(_kind, _handler)

register(ROTATED_KIND, key_rotated_change)
# staff accounts managed at head office, PIN hashes only (kiosk.core.reception)
register("staff.upserted", staff_upserted_change)
# another kiosk's decision on a held visit: the first by stamp stands, here as at head office
register_stamped("visit.decided", visit_decided_change)
# another kiosk's badge news (the desk's board shows the lobby kiosks' badge status)
for _kind in ("badge.printed", "badge.failed"):
    register_stamped(_kind, badge_change)
for _kind in EMERGENCY_FED:
    register_stamped(_kind, emergency_entry_change)

# a building uploaded at head office: written to <data dir>/building.json (building_store.py)
register("building.updated", building_updated)

# head office restored from a backup (kiosk-server restore): push the whole outbox again
register(HEAD_OFFICE_RESTORED, head_office_restored)
register("feed.resync", feed_resync)

# the site's other kiosks' tickets and the departments' steps through their links
register("ticket.raised", ticket_raised_change)
register("ticket.updated", ticket_updated_change)
# the site's other kiosks' parcels and ratings: every console lists what waits at reception
register("parcel.received", parcels_pulled.parcel_received)
register("parcel.collected", parcels_pulled.parcel_collected)
register("visit.rated", parcels_pulled.visit_rated)

"""Changing a site's receptionist accounts at head office: disable or enable one, set a new
PIN. The account is ``reception.StaffAccount``; every change is fed to the site's kiosks as a
``staff.upserted`` (``reception._feed_staff``, the path ``add_staff`` takes), so each kiosk
holds the new state after its next pull.

The row takes a stamp of head office's clock: a change a kiosk made earlier (an older stamp)
and pushes later does not undo this one (``reception.fold_staff_changed``).

Must never: keep or log a PIN (only its peppered argon2 hash, made as ``add_staff`` makes it),
or change an account of another site than the one named.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from kiosk.core.config.errors import ConfigError, NotFoundError
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.reception.pins import hash_pin

from .keys import current_key
from .reception import StaffAccount, _feed_staff
from .server_clock import SERVER_HLC


def _account(session: Session, site_id: str, staff_id: str) -> StaffAccount:
    row = session.get(StaffAccount, staff_id)
    if row is None or row.site_id != site_id:
        raise NotFoundError(f"no staff account {staff_id!r} at {site_id!r}")
    return row


def _changed(session: Session, row: StaffAccount) -> StaffAccount:
    row.updated_at = datetime.now(UTC)
    row.hlc = SERVER_HLC.tick()
    session.flush()
    _feed_staff(session, row)
    return row


def set_disabled(session: Session, *, site_id: str, staff_id: str, disabled: bool) -> StaffAccount:
    """Disable (or enable again) one account; ``NotFoundError`` for another site's id."""
    row = _account(session, site_id, staff_id)
    row.disabled = disabled
    return _changed(session, row)


def reset_pin(session: Session, *, site_id: str, staff_id: str, pin: str) -> StaffAccount:
    """Give one account a new PIN; ``ValidationError`` for a PIN the kiosk would refuse."""
    row = _account(session, site_id, staff_id)
    key = current_key(session, site_id, KeyPurpose.STAFF_PIN)
    if key is None:
        raise ConfigError("no master secret: run kiosk-server migrate first")
    row.pin_hash = hash_pin(pin, key.key)
    return _changed(session, row)

"""Staff accounts and entry to the console: PIN check, lockout, the session that locks itself.

``StaffAccounts.enter(pin)`` tries the PIN against the site's enabled accounts (argon2, off the
UI thread: about 30 ms per account). Every attempt is audited. ``LOCK_AFTER`` wrong PINs in a
row lock entry for ``lock_seconds(n)`` (30 s, doubling with each lock in a row, at most an
hour) and raise a ``pin_lockout`` alert; the state is in the store (``kv``
``reception.lockout``) and uses wall-clock time, so restarting the kiosk does not lift it.

``ConsoleSession`` is one staff member's time at the console: ``touch()`` on every tap, and
``locked`` once ``IDLE_SECONDS`` pass without one (or after ``lock()``), on the injected clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kiosk.core.alerts import raise_alert
from kiosk.core.config.clock import Clock, iso, parse_iso
from kiosk.core.config.errors import DeniedError, NotFoundError, ValidationError
from kiosk.core.events import StaffChanged
from kiosk.core.reception import audit
from kiosk.core.reception.pepper import Pepper
from kiosk.core.reception.pins import hash_pin, validate_pin, verify_pin
from kiosk.core.store import kv
from kiosk.core.store import staff as table
from kiosk.core.store.database import Store, Transaction, new_id

ROLES = ("receptionist", "supervisor", "admin")
RANK = {role: n for n, role in enumerate(ROLES)}
LOCK_AFTER = 5
IDLE_SECONDS = 120.0
LOCKOUT_KEY = "reception.lockout"


def lock_seconds(lockouts: int) -> float:
    """How long entry stays locked after the ``lockouts``-th lock in a row (1, 2, …)."""
    return float(min(3600, 30 * 2 ** max(0, lockouts - 1)))


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: str
    name: str
    role: str
    language: str = ""
    disabled: bool = False

    def may(self, role: str) -> bool:
        """At least ``role`` (an admin may do what a supervisor may …)."""
        return RANK[self.role] >= RANK[role]

    @property
    def actor(self) -> audit.Actor:
        return audit.Actor(self.id, self.role)


@dataclass
class ConsoleSession:
    """One staff member at the console; locks after ``idle_seconds`` without a touch."""

    staff: StaffMember
    clock: Clock
    idle_seconds: float = IDLE_SECONDS
    _last: float = field(default=0.0)
    _locked: bool = False

    def __post_init__(self) -> None:
        self._last = self.clock.monotonic()

    def touch(self) -> None:
        if not self.locked:
            self._last = self.clock.monotonic()

    def lock(self) -> None:
        self._locked = True

    @property
    def locked(self) -> bool:
        if not self._locked and self.clock.monotonic() - self._last >= self.idle_seconds:
            self._locked = True
        return self._locked

    def seconds_left(self) -> float:
        return max(0.0, self.idle_seconds - (self.clock.monotonic() - self._last))


@dataclass(frozen=True, slots=True)
class Lockout:
    failures: int = 0
    lockouts: int = 0
    until: datetime | None = None


class StaffAccounts:
    """The site's staff accounts and the PIN entry. Thread-safe (store per thread)."""

    def __init__(
        self, *, store: Store, clock: Clock, pepper: Pepper, site_id: str, kiosk_id: str
    ) -> None:
        self.store = store
        self.clock = clock
        self.pepper = pepper
        self.site_id = site_id
        self.kiosk_id = kiosk_id

    # -- accounts -----------------------------------------------------------------------------
    def members(self, *, include_disabled: bool = False) -> list[StaffMember]:
        rows = table.for_site(self.store, self.site_id, include_disabled=include_disabled)
        return [StaffMember(r.id, r.name, r.role, r.language, r.disabled) for r in rows]

    def has_staff(self) -> bool:
        return bool(table.for_site(self.store, self.site_id))

    def add(
        self, name: str, role: str, pin: str, *, by: audit.Actor = audit.CLI, language: str = ""
    ) -> StaffMember:
        """A new account (``ValidationError`` for a bad name, role or PIN, or a PIN someone
        else of the site has: PINs alone identify who enters)."""
        name = name.strip()
        if not name or len(name) > 200:
            raise ValidationError("a name is needed", field="name", key="reception.name_required")
        if role not in ROLES:
            raise ValidationError(f"unknown role {role!r}", field="role", key="reception.bad_role")
        pin = validate_pin(pin)
        self._refuse_taken(pin)
        row = table.StaffRow(
            id=f"st-{new_id()[:16]}",
            site_id=self.site_id,
            name=name,
            role=role,
            pin_hash=hash_pin(pin, self.pepper.get()),
            language=language,
        )
        with self.store.transaction() as tx:
            self._write(tx, row, by=by, action="staff.added")
        return StaffMember(row.id, row.name, row.role, row.language)

    def set_disabled(self, staff_id: str, disabled: bool, *, by: audit.Actor) -> None:
        row = self._get(staff_id)
        with self.store.transaction() as tx:
            self._write(
                tx,
                _replace(row, disabled=disabled),
                by=by,
                action="staff.disabled" if disabled else "staff.enabled",
            )

    def reset_pin(self, staff_id: str, pin: str, *, by: audit.Actor) -> None:
        row = self._get(staff_id)
        pin = validate_pin(pin)
        self._refuse_taken(pin, except_id=staff_id)
        new = _replace(row, pin_hash=hash_pin(pin, self.pepper.get()))
        with self.store.transaction() as tx:
            self._write(tx, new, by=by, action="staff.pin_reset")

    def set_language(self, staff_id: str, language: str, *, by: audit.Actor) -> None:
        """The language the console opens in for this account ("" = the visitor default)."""
        row = self._get(staff_id)
        with self.store.transaction() as tx:
            self._write(tx, _replace(row, language=language), by=by, action="staff.language")

    def _get(self, staff_id: str) -> table.StaffRow:
        row = table.get(self.store, staff_id)
        if row is None or row.site_id != self.site_id:
            raise NotFoundError(staff_id, key="reception.staff_unknown")
        return row

    def _refuse_taken(self, pin: str, *, except_id: str = "") -> None:
        if self._match(pin, include=lambda r: r.id != except_id) is not None:
            raise ValidationError(
                "another account has this PIN", field="pin", key="reception.pin_taken"
            )

    def _write(self, tx: Transaction, row: table.StaffRow, *, by: audit.Actor, action: str) -> None:
        now = tx.clock.now()
        row = _replace(row, updated_at=now)
        table.upsert(tx, row)
        tx.emit(
            StaffChanged(
                staff_id=row.id,
                site_id=row.site_id,
                kiosk_id=self.kiosk_id,
                name=row.name,
                role=row.role,  # type: ignore[arg-type]
                pin_hash=row.pin_hash,
                language=row.language,
                disabled=row.disabled,
                by=by.id,
                changed_at=now,
            )
        )
        audit.record(
            tx,
            by,
            action,
            site_id=self.site_id,
            kiosk_id=self.kiosk_id,
            subject_kind="staff",
            subject_id=row.id,
            details={"role": row.role},
        )

    # -- entry --------------------------------------------------------------------------------
    def lockout(self) -> Lockout:
        text = kv.get(self.store, LOCKOUT_KEY)
        if not text:
            return Lockout()
        data = json.loads(text)
        until = parse_iso(data["until"]) if data.get("until") else None
        return Lockout(int(data.get("failures", 0)), int(data.get("lockouts", 0)), until)

    def locked_for(self) -> float:
        """Seconds until entry opens again (0 when it is open)."""
        until = self.lockout().until
        if until is None:
            return 0.0
        return max(0.0, (until - self.clock.now()).total_seconds())

    def enter(self, pin: str, *, idle_seconds: float = IDLE_SECONDS) -> ConsoleSession:
        """A console session for the staff member whose PIN this is.

        ``DeniedError`` ``reception.locked`` (``seconds``) while locked, ``reception.pin_wrong``
        for a wrong PIN; ``ValidationError`` for one too short (not counted as a try)."""
        wait = self.locked_for()
        if wait > 0:
            raise DeniedError("entry is locked", key="reception.locked", seconds=int(wait) + 1)
        validate_pin_shape(pin)
        row = self._match(pin)
        if row is None:
            with self.store.transaction() as tx:
                self._failed(tx)
            state = self.lockout()  # committed first: raising inside would roll it back
            if state.until is not None and state.failures == 0 and self.locked_for() > 0:
                raise DeniedError(
                    "entry is locked",
                    key="reception.locked",
                    seconds=int(lock_seconds(state.lockouts)),
                )
            raise DeniedError("wrong PIN", key="reception.pin_wrong")
        member = StaffMember(row.id, row.name, row.role, row.language)
        with self.store.transaction() as tx:
            kv.put(tx, LOCKOUT_KEY, json.dumps({"failures": 0, "lockouts": 0, "until": ""}))
            audit.record(
                tx, member.actor, "session.opened", site_id=self.site_id, kiosk_id=self.kiosk_id
            )
        return ConsoleSession(member, self.clock, idle_seconds)

    def _failed(self, tx: Transaction) -> None:
        state = self.lockout()
        failures = state.failures + 1
        lockouts = state.lockouts
        until = ""
        audit.record(
            tx, audit.Actor("unknown"), "pin.failed", site_id=self.site_id, kiosk_id=self.kiosk_id
        )
        if failures >= LOCK_AFTER:
            lockouts += 1
            seconds = lock_seconds(lockouts)
            until = iso(tx.clock.now() + timedelta(seconds=seconds))
            failures = 0
            audit.record(
                tx,
                audit.SYSTEM,
                "entry.locked",
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                details={"seconds": str(int(seconds)), "lockouts": str(lockouts)},
            )
            raise_alert(
                tx,
                "pin_lockout",
                severity="warning",
                message_key="alert.pin_lockout",
                details={"seconds": str(int(seconds)), "attempts": str(LOCK_AFTER)},
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
            )
        else:
            # keep an earlier lock's end so the next lock's delay keeps growing
            until = iso(state.until) if state.until else ""
        kv.put(
            tx,
            LOCKOUT_KEY,
            json.dumps({"failures": failures, "lockouts": lockouts, "until": until}),
        )

    def _match(self, pin: str, *, include=lambda row: True) -> table.StaffRow | None:
        if not pin.isdigit():
            return None
        pepper = self.pepper.get()
        for row in table.for_site(self.store, self.site_id):
            if include(row) and verify_pin(pin, row.pin_hash, pepper):
                return row
        return None

    def lock(self, session: ConsoleSession, *, reason: str = "button") -> None:
        """Lock the console now (the lock button, or the idle timer noticed) and audit it."""
        session.lock()
        with self.store.transaction() as tx:
            audit.record(
                tx,
                session.staff.actor,
                "session.locked",
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                reason=reason,
            )


def validate_pin_shape(pin: str) -> None:
    """A PIN too short or not digits is refused before it counts as a try."""
    if not pin.isdigit() or len(pin) < 6:
        raise ValidationError(
            "a PIN has at least 6 digits", field="pin", key="reception.pin_too_short"
        )


def _replace(row: table.StaffRow, **changes: object) -> table.StaffRow:
    from dataclasses import replace

    return replace(row, **changes)  # type: ignore[arg-type]

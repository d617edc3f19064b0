"""Reading and writing records. Personal fields pass only through here.

Names, phone numbers and companies of visitors go through a ``PersonalDataCodec`` on the way
in and out, and lookups use its blind ``index`` (never the clear value), so encrypting them at
rest (privacy hardening) changes this module's codec and no caller.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import unicodedata
from collections.abc import Iterable
from typing import Protocol

from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.models import (
    Department,
    Host,
    Invitation,
    InvitationState,
    Site,
    Visit,
    Visitor,
    VisitState,
    WatchlistEntry,
)
from kiosk.core.store.database import Store, Transaction, new_id


class PersonalDataCodec(Protocol):
    def encode(self, value: str) -> str: ...
    def decode(self, value: str) -> str: ...
    def index(self, value: str) -> str:
        """A stable, non-reversible key for equality lookups."""
        ...


class PlainCodec:
    """Stores values as they are; the lookup index is a salted SHA-256."""

    def __init__(self, salt: str = "lobby-kiosk") -> None:
        self._salt = salt.encode()

    def encode(self, value: str) -> str:
        return value

    def decode(self, value: str) -> str:
        return value

    def index(self, value: str) -> str:
        return hashlib.sha256(self._salt + value.encode()).hexdigest()


def normalise_name(name: str) -> str:
    """Width-, case- and space-insensitive form of a name (for matching, never for display)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·.-_'’")


def normalise_phone(phone: str) -> str:
    """Digits with an optional leading +, mainland numbers without their +86 prefix."""
    text = unicodedata.normalize("NFKC", phone).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        if digits.startswith("86") and len(digits) == 13:
            return digits[2:]
        return "+" + digits
    if digits.startswith("0086") and len(digits) == 15:
        return digits[4:]
    return digits


def _dt(value: str | None):
    return parse_iso(value) if value else None


class Records:
    """All record access for the kiosk, on top of a ``Store``."""

    def __init__(self, store: Store, codec: PersonalDataCodec | None = None) -> None:
        self.store = store
        self.codec: PersonalDataCodec = codec or PlainCodec()

    # -- directory ---------------------------------------------------------------------------
    def upsert_site(self, tx: Transaction, site: Site) -> None:
        tx.execute(
            "INSERT INTO sites (id, name_zh, name_en, timezone) VALUES (?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET name_zh=excluded.name_zh, name_en=excluded.name_en, "
            "timezone=excluded.timezone",
            (site.id, site.name_zh, site.name_en, site.timezone),
        )

    def upsert_department(self, tx: Transaction, d: Department) -> None:
        tx.execute(
            "INSERT INTO departments (id, site_id, name_zh, name_en, floor, room) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET site_id=excluded.site_id, "
            "name_zh=excluded.name_zh, name_en=excluded.name_en, floor=excluded.floor, "
            "room=excluded.room",
            (d.id, d.site_id, d.name_zh, d.name_en, d.floor, d.room),
        )

    def upsert_host(self, tx: Transaction, h: Host) -> None:
        tx.execute(
            "INSERT INTO hosts (id, site_id, department_id, name_zh, name_en, floor, room, email, "
            "phone, language, away, delegate_id, notify_urls) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET site_id=excluded.site_id, "
            "department_id=excluded.department_id, name_zh=excluded.name_zh, "
            "name_en=excluded.name_en, floor=excluded.floor, room=excluded.room, "
            "email=excluded.email, phone=excluded.phone, language=excluded.language, "
            "away=excluded.away, delegate_id=excluded.delegate_id, "
            "notify_urls=excluded.notify_urls",
            (
                h.id,
                h.site_id,
                h.department_id,
                h.name_zh,
                h.name_en,
                h.floor,
                h.room,
                h.email,
                h.phone,
                h.language,
                int(h.away),
                h.delegate_id,
                json.dumps(list(h.notify_urls)),
            ),
        )

    def site(self, site_id: str) -> Site | None:
        row = self.store.query_one("SELECT * FROM sites WHERE id = ?", (site_id,))
        return Site(row["id"], row["name_zh"], row["name_en"], row["timezone"]) if row else None

    def sites(self) -> list[Site]:
        rows = self.store.query("SELECT * FROM sites ORDER BY id")
        return [Site(r["id"], r["name_zh"], r["name_en"], r["timezone"]) for r in rows]

    def departments(self, site_id: str | None = None) -> list[Department]:
        if site_id is None:
            rows = self.store.query("SELECT * FROM departments ORDER BY id")
        else:
            rows = self.store.query(
                "SELECT * FROM departments WHERE site_id = ? ORDER BY id", (site_id,)
            )
        return [_department(r) for r in rows]

    def department(self, department_id: str) -> Department | None:
        row = self.store.query_one("SELECT * FROM departments WHERE id = ?", (department_id,))
        return _department(row) if row else None

    def hosts(self, site_id: str | None = None) -> list[Host]:
        if site_id is None:
            rows = self.store.query("SELECT * FROM hosts ORDER BY id")
        else:
            rows = self.store.query("SELECT * FROM hosts WHERE site_id = ? ORDER BY id", (site_id,))
        return [_host(r) for r in rows]

    def host(self, host_id: str) -> Host | None:
        row = self.store.query_one("SELECT * FROM hosts WHERE id = ?", (host_id,))
        return _host(row) if row else None

    # -- visitors (personal data) ------------------------------------------------------------
    def add_visitor(
        self, tx: Transaction, *, name: str, phone: str, company: str = "", category: str = ""
    ) -> Visitor:
        now = tx.clock.now()
        visitor = Visitor(new_id(), name, phone, company, category, now, now)
        tx.execute(
            "INSERT INTO visitors (id, name, phone, phone_key, company, category, created_at, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                visitor.id,
                self.codec.encode(name),
                self.codec.encode(phone),
                self.phone_key(phone),
                self.codec.encode(company),
                category,
                iso(now),
                iso(now),
            ),
        )
        return visitor

    def update_visitor(
        self, tx: Transaction, visitor_id: str, *, name: str, company: str, category: str = ""
    ) -> None:
        tx.execute(
            "UPDATE visitors SET name=?, company=?, category=?, updated_at=? WHERE id=?",
            (
                self.codec.encode(name),
                self.codec.encode(company),
                category,
                iso(tx.clock.now()),
                visitor_id,
            ),
        )

    def visitor(self, visitor_id: str) -> Visitor | None:
        row = self.store.query_one("SELECT * FROM visitors WHERE id = ?", (visitor_id,))
        return self._visitor(row) if row else None

    def visitor_by_phone(self, phone: str) -> Visitor | None:
        """The most recently updated visitor with exactly this phone number (never a list)."""
        row = self.store.query_one(
            "SELECT * FROM visitors WHERE phone_key = ? ORDER BY updated_at DESC LIMIT 1",
            (self.phone_key(phone),),
        )
        return self._visitor(row) if row else None

    def phone_key(self, phone: str) -> str:
        return self.codec.index("phone:" + normalise_phone(phone)) if phone else ""

    def name_key(self, name: str) -> str:
        return self.codec.index("name:" + normalise_name(name)) if name else ""

    def _visitor(self, row: sqlite3.Row) -> Visitor:
        return Visitor(
            id=row["id"],
            name=self.codec.decode(row["name"]),
            phone=self.codec.decode(row["phone"]),
            company=self.codec.decode(row["company"]),
            category=row["category"],
            created_at=_dt(row["created_at"]),
            updated_at=_dt(row["updated_at"]),
        )

    # -- visits ------------------------------------------------------------------------------
    def add_visit(self, tx: Transaction, visit: Visit) -> Visit:
        tx.execute(
            "INSERT INTO visits (id, site_id, visitor_id, host_id, department_id, state, purpose, "
            "kiosk_id, badge_code, consent_version, invitation_id, created_at, checked_in_at, "
            "checked_out_at, auto_checked_out, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                visit.id,
                visit.site_id,
                visit.visitor_id,
                visit.host_id,
                visit.department_id,
                str(visit.state),
                visit.purpose,
                visit.kiosk_id,
                visit.badge_code,
                visit.consent_version,
                visit.invitation_id,
                iso(visit.created_at or tx.clock.now()),
                iso(visit.checked_in_at) if visit.checked_in_at else None,
                iso(visit.checked_out_at) if visit.checked_out_at else None,
                int(visit.auto_checked_out),
                visit.note,
            ),
        )
        return visit

    def set_visit_state(
        self,
        tx: Transaction,
        visit_id: str,
        state: VisitState,
        *,
        checked_out_at=None,
        auto: bool = False,
        note: str | None = None,
    ) -> None:
        tx.execute(
            "UPDATE visits SET state=?, checked_out_at=coalesce(?, checked_out_at), "
            "auto_checked_out=?, note=coalesce(?, note) WHERE id=?",
            (
                str(state),
                iso(checked_out_at) if checked_out_at else None,
                int(auto),
                note,
                visit_id,
            ),
        )

    def set_badge_code(self, tx: Transaction, visit_id: str, code: str) -> None:
        tx.execute("UPDATE visits SET badge_code=? WHERE id=?", (code, visit_id))

    def visit(self, visit_id: str) -> Visit | None:
        row = self.store.query_one("SELECT * FROM visits WHERE id = ?", (visit_id,))
        return _visit(row) if row else None

    def visit_by_badge(self, code: str) -> Visit | None:
        row = self.store.query_one(
            "SELECT * FROM visits WHERE badge_code = ? AND badge_code != '' "
            "ORDER BY created_at DESC LIMIT 1",
            (code,),
        )
        return _visit(row) if row else None

    def open_visits(self, site_id: str | None = None) -> list[Visit]:
        sql = "SELECT * FROM visits WHERE state = 'checked_in'"
        params: tuple = ()
        if site_id:
            sql += " AND site_id = ?"
            params = (site_id,)
        return [_visit(r) for r in self.store.query(sql + " ORDER BY checked_in_at", params)]

    def open_visits_by_phone(self, phone: str) -> list[Visit]:
        rows = self.store.query(
            "SELECT v.* FROM visits v JOIN visitors p ON p.id = v.visitor_id "
            "WHERE p.phone_key = ? AND v.state = 'checked_in' ORDER BY v.checked_in_at DESC",
            (self.phone_key(phone),),
        )
        return [_visit(r) for r in rows]

    def visits(self, *, limit: int = 1000) -> list[Visit]:
        rows = self.store.query("SELECT * FROM visits ORDER BY created_at DESC LIMIT ?", (limit,))
        return [_visit(r) for r in rows]

    # -- invitations -------------------------------------------------------------------------
    def add_invitation(self, tx: Transaction, inv: Invitation) -> Invitation:
        tx.execute(
            "INSERT INTO invitations (id, site_id, code, visitor_name, phone, phone_key, company, "
            "host_id, purpose, valid_from, valid_until, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET code=excluded.code, "
            "visitor_name=excluded.visitor_name, phone=excluded.phone, "
            "phone_key=excluded.phone_key, company=excluded.company, host_id=excluded.host_id, "
            "purpose=excluded.purpose, valid_from=excluded.valid_from, "
            "valid_until=excluded.valid_until, state=excluded.state",
            (
                inv.id,
                inv.site_id,
                inv.code,
                self.codec.encode(inv.visitor_name),
                self.codec.encode(inv.phone),
                self.phone_key(inv.phone),
                self.codec.encode(inv.company),
                inv.host_id,
                inv.purpose,
                iso(inv.valid_from) if inv.valid_from else None,
                iso(inv.valid_until) if inv.valid_until else None,
                str(inv.state),
            ),
        )
        return inv

    def set_invitation_state(self, tx: Transaction, inv_id: str, state: InvitationState) -> None:
        tx.execute("UPDATE invitations SET state=? WHERE id=?", (str(state), inv_id))

    def invitation_by_code(self, code: str) -> Invitation | None:
        row = self.store.query_one(
            "SELECT * FROM invitations WHERE code = ?", (code.strip().upper(),)
        )
        return self._invitation(row) if row else None

    def invitations_by_phone(self, phone: str) -> list[Invitation]:
        rows = self.store.query(
            "SELECT * FROM invitations WHERE phone_key = ? AND state = 'pending' "
            "ORDER BY valid_from",
            (self.phone_key(phone),),
        )
        return [self._invitation(r) for r in rows]

    def _invitation(self, row: sqlite3.Row) -> Invitation:
        return Invitation(
            id=row["id"],
            site_id=row["site_id"],
            code=row["code"],
            visitor_name=self.codec.decode(row["visitor_name"]),
            phone=self.codec.decode(row["phone"]),
            company=self.codec.decode(row["company"]),
            host_id=row["host_id"],
            purpose=row["purpose"],
            valid_from=_dt(row["valid_from"]),
            valid_until=_dt(row["valid_until"]),
            state=InvitationState(row["state"]),
        )

    # -- watchlist ---------------------------------------------------------------------------
    def replace_watchlist(self, tx: Transaction, entries: Iterable[WatchlistEntry]) -> None:
        tx.execute("DELETE FROM watchlist")
        for e in entries:
            self.add_watchlist_entry(tx, e)

    def add_watchlist_entry(self, tx: Transaction, e: WatchlistEntry) -> None:
        tx.execute(
            "INSERT OR REPLACE INTO watchlist (id, site_id, name_key, phone_key, reason) "
            "VALUES (?,?,?,?,?)",
            (e.id, e.site_id, self.name_key(e.name), self.phone_key(e.phone), e.reason),
        )

    def watchlist_match(self, *, site_id: str, name: str, phone: str) -> str | None:
        """The id of a watchlist entry matching this name or phone, else None."""
        name_key = self.name_key(name)
        phone_key = self.phone_key(phone)
        row = self.store.query_one(
            "SELECT id FROM watchlist WHERE (site_id = ? OR site_id = '*') AND "
            "((name_key != '' AND name_key = ?) OR (phone_key != '' AND phone_key = ?)) LIMIT 1",
            (site_id, name_key, phone_key),
        )
        return str(row["id"]) if row else None


def _department(r: sqlite3.Row) -> Department:
    return Department(r["id"], r["site_id"], r["name_zh"], r["name_en"], r["floor"], r["room"])


def _host(r: sqlite3.Row) -> Host:
    return Host(
        id=r["id"],
        site_id=r["site_id"],
        department_id=r["department_id"],
        name_zh=r["name_zh"],
        name_en=r["name_en"],
        floor=r["floor"],
        room=r["room"],
        email=r["email"],
        phone=r["phone"],
        language=r["language"],
        away=bool(r["away"]),
        delegate_id=r["delegate_id"],
        notify_urls=tuple(json.loads(r["notify_urls"] or "[]")),
    )


def _visit(r: sqlite3.Row) -> Visit:
    return Visit(
        id=r["id"],
        site_id=r["site_id"],
        visitor_id=r["visitor_id"],
        host_id=r["host_id"],
        department_id=r["department_id"],
        state=VisitState(r["state"]),
        purpose=r["purpose"],
        kiosk_id=r["kiosk_id"],
        badge_code=r["badge_code"],
        consent_version=r["consent_version"],
        invitation_id=r["invitation_id"],
        created_at=_dt(r["created_at"]),
        checked_in_at=_dt(r["checked_in_at"]),
        checked_out_at=_dt(r["checked_out_at"]),
        auto_checked_out=bool(r["auto_checked_out"]),
        note=r["note"],
    )

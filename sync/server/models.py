"""Head-office tables (SQLAlchemy 2). Alembic migrations in ``migrations/`` build them.

Visits are folded from kiosk events; ``state_hlc`` holds the hybrid logical clock stamp of the
event that set the current state, so folding the same events in any order gives the same row.
``changes`` is each site's pull feed: ``seq`` is allocated from ``sites.change_seq`` under the
site row's lock, so changes of a site commit in ``seq`` order and a cursor never skips one.
Personal columns (and the payloads that carry them) are ``sealing.Sealed*``: sealed at rest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .sealing import SealedJSON, SealedText


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no zone: stored as naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    #: the postal address guests are mailed and the route page shows (``site_address.py``)
    address_zh: Mapped[str] = mapped_column(String(300), default="", server_default="")
    address_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    building_map: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: last ``changes.seq`` handed out for this site
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the feed's compaction horizon: changes up to it are a snapshot (``compaction.py``)
    compacted_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Kiosk(Base):
    __tablename__ = "kiosks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    enrolled_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    #: the kiosk's last health report (``sync.protocol.KioskHealthIn``) and when it came
    health: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    health_at: Mapped[datetime | None]
    #: the admin list's pages (api/pages.py)
    __table_args__ = (Index("kiosks_site_page", "site_id", "id"),)


class Admin(Base):
    __tablename__ = "admins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Event(Base):
    """Every event a kiosk pushed, once per UUID (the primary key enforces it)."""

    __tablename__ = "events"
    uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    kiosk_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    hlc: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(SealedJSON("events", "payload"))
    received_at: Mapped[datetime]


class Visitor(Base):
    """One person at one site: ``phone_key`` is head office's blind index of the phone number
    (``identity.phone_index``); records of one number made at different kiosks are merged into
    the earliest (``merged_into`` names it on the others, which keep no personal data)."""

    __tablename__ = "visitors"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(SealedText("visitors", "name"), default="")
    phone: Mapped[str] = mapped_column(SealedText("visitors", "phone"), default="")
    company: Mapped[str] = mapped_column(SealedText("visitors", "company"), default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    phone_key: Mapped[str] = mapped_column(String(64), default="")
    merged_into: Mapped[str | None] = mapped_column(String(64))
    #: the latest check-in of this person at the site (the visitor directory's retention)
    last_visit_at: Mapped[datetime | None]

    __table_args__ = (Index("visitors_site_phone", "site_id", "phone_key"),)


class Visit(Base):
    __tablename__ = "visits"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    kiosk_id: Mapped[str] = mapped_column(String(64), default="")
    visitor_id: Mapped[str | None] = mapped_column(String(64))
    host_id: Mapped[str | None] = mapped_column(String(64))
    department_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(64), default="")
    badge_code: Mapped[str] = mapped_column(String(200), default="")
    consent_version: Mapped[str] = mapped_column(String(32), default="")
    invitation_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_out_at: Mapped[datetime | None]
    auto_checked_out: Mapped[bool] = mapped_column(Boolean, default=False)
    checkout_kiosk_id: Mapped[str | None] = mapped_column(String(64))
    checkout_method: Mapped[str | None] = mapped_column(String(16))
    #: stamp of the event that set ``state`` (last writer by hybrid logical clock wins);
    #: "" while only badge or notify events of the visit have arrived (not listed then)
    state_hlc: Mapped[str] = mapped_column(String(64), default="")
    #: the latest ``badge.*`` event by stamp: printed, retrying or failed (None: none yet)
    badge_status: Mapped[str | None] = mapped_column(String(16))
    badge_status_at: Mapped[datetime | None]
    badge_hlc: Mapped[str] = mapped_column(String(64), default="")
    #: the latest ``notify.*`` event by stamp: sent or failed (None: none yet)
    notify_status: Mapped[str | None] = mapped_column(String(16))
    notify_status_at: Mapped[datetime | None]
    notify_hlc: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (
        Index("visits_site_state", "site_id", "state"),
        #: the visit list's pages, newest first (api/pages.py)
        Index("visits_site_page", "site_id", "created_at", "id"),
        #: a person's visits: open-visit conflicts and visitor merges (conflicts.py)
        Index("visits_visitor", "visitor_id", "state"),
    )


class Alert(Base):
    """An alert a kiosk raised (``alert.raised``), and who acknowledged it, folded order-free:
    a row can exist from an acknowledgement alone (``raised_at`` None) until its raise arrives.
    """

    __tablename__ = "alerts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    kiosk_id: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(64), default="")
    severity: Mapped[str] = mapped_column(String(16), default="")
    message_key: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(SealedJSON("alerts", "details"), default=dict)
    visit_id: Mapped[str | None] = mapped_column(String(64))
    raised_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str] = mapped_column(String(64), default="")
    #: the kiosk that acknowledged it ("" for head office)
    acknowledged_kiosk_id: Mapped[str | None] = mapped_column(String(64))
    #: stamp of the acknowledgement that stands (the earliest wins)
    ack_hlc: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("alerts_site_page", "site_id", "raised_at", "id"),)


class Invitation(Base):
    __tablename__ = "invitations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    visitor_name: Mapped[str] = mapped_column(SealedText("invitations", "visitor_name"))
    phone: Mapped[str] = mapped_column(SealedText("invitations", "phone"), default="")
    company: Mapped[str] = mapped_column(SealedText("invitations", "company"), default="")
    host_id: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(64), default="meeting")
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    visit_id: Mapped[str | None] = mapped_column(String(64))
    #: stamp of the use that stands: the earliest by hybrid logical clock (``conflicts.py``)
    used_hlc: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime]
    #: the admin list's pages (api/pages.py)
    __table_args__ = (Index("invitations_site_page", "site_id", "updated_at", "id"),)


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    floor: Mapped[str] = mapped_column(String(32), default="")
    room: Mapped[str] = mapped_column(String(32), default="")
    #: the admin list's pages (api/pages.py)
    __table_args__ = (Index("departments_site_page", "site_id", "id"),)


class Host(Base):
    __tablename__ = "hosts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    department_id: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    floor: Mapped[str] = mapped_column(String(32), default="")
    room: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(16), default="zh_CN")
    away: Mapped[bool] = mapped_column(Boolean, default=False)
    delegate_id: Mapped[str | None] = mapped_column(String(64))
    #: the host's own apprise URLs; they hold credentials: admins and the site's pull feed only
    notify_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the admin list's pages (api/pages.py)
    __table_args__ = (Index("hosts_site_page", "site_id", "id"),)


class WatchlistEntry(Base):
    __tablename__ = "watchlist"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: a site id, or "*" for every site
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(SealedText("watchlist", "name"), default="")
    phone: Mapped[str] = mapped_column(SealedText("watchlist", "phone"), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    #: when it was added and removed (None: before this was kept / still listed): head office
    #: re-screens a pushed check-in against the list as it stood at the check-in's time
    created_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    #: from this time on the entry no longer matches, on the kiosks and here (None: never)
    expires_at: Mapped[datetime | None]


class Conflict(Base):
    """What offline kiosks did that cannot both stand (``conflicts.py``), kept, never
    overwritten: the id is derived from what clashed, so any arrival order gives the same rows."""

    __tablename__ = "conflicts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    #: invitation_reused, two_open_visits, watchlist_at_checkin
    kind: Mapped[str] = mapped_column(String(32))
    #: the invitation, the visitor or the watchlist entry the conflict is about
    subject_id: Mapped[str] = mapped_column(String(64))
    #: the visit flagged (the second use, the later check-in, the listed person's)
    visit_id: Mapped[str] = mapped_column(String(64))
    other_visit_id: Mapped[str | None] = mapped_column(String(64))
    #: stamp of the flagged visit's event
    hlc: Mapped[str] = mapped_column(String(64))
    #: the alert raised with it (head office's ``alerts``, fed to the kiosks)
    alert_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class EmergencyEntry(Base):
    """One entry of a site's emergency timeline (``emergency.*`` events), once per entry id,
    with its hybrid-clock stamp: ``incidents.py`` folds them as every kiosk does."""

    __tablename__ = "emergency_entries"
    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    hlc: Mapped[str] = mapped_column(String(64))
    #: an end's reason is free text: sealed at rest
    payload: Mapped[dict[str, Any]] = mapped_column(SealedJSON("emergency_entries", "payload"))
    received_at: Mapped[datetime]


class Change(Base):
    """One entry of a site's pull feed."""

    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    hlc: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(SealedJSON("changes", "payload"))
    #: the kiosk whose event this is (it is not sent back to that kiosk)
    origin_kiosk_id: Mapped[str | None] = mapped_column(String(64))
    #: for a fed kiosk event: the event, whose payload pull sends (``payload`` is then {})
    event_uuid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("site_id", "seq", name="changes_site_seq"),)

"""Domain values: frozen dataclasses, no behaviour that touches I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class VisitState(StrEnum):
    EXPECTED = "expected"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    DENIED = "denied"
    CANCELLED = "cancelled"


class InvitationState(StrEnum):
    PENDING = "pending"
    USED = "used"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name_zh: str
    name_en: str
    timezone: str = "Asia/Shanghai"

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    site_id: str
    name_zh: str
    name_en: str
    floor: str = ""
    room: str = ""

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en


@dataclass(frozen=True, slots=True)
class Host:
    """A person visitors come to see. ``email``/``phone`` are never shown on the kiosk."""

    id: str
    site_id: str
    department_id: str
    name_zh: str
    name_en: str
    floor: str = ""
    room: str = ""
    email: str = ""
    phone: str = ""
    language: str = "zh_CN"
    away: bool = False
    delegate_id: str | None = None
    notify_urls: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        if lang.startswith("zh"):
            return self.name_zh or self.name_en
        return self.name_en or self.name_zh


@dataclass(frozen=True, slots=True)
class Visitor:
    """Personal data: only ever read and written through the store's visitor repository."""

    id: str
    name: str
    phone: str
    company: str = ""
    category: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    id: str
    site_id: str
    visitor_id: str
    state: VisitState
    purpose: str
    host_id: str | None = None
    department_id: str | None = None
    kiosk_id: str = ""
    badge_code: str = ""
    consent_version: str = ""
    invitation_id: str | None = None
    created_at: datetime | None = None
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    auto_checked_out: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class Invitation:
    id: str
    site_id: str
    code: str
    visitor_name: str
    phone: str
    host_id: str | None
    purpose: str = "meeting"
    company: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    state: InvitationState = InvitationState.PENDING


@dataclass(frozen=True, slots=True)
class WatchlistEntry:
    id: str
    site_id: str
    name: str = ""
    phone: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One fact to tell the printer, the notifier and head office about."""

    seq: int
    uuid: str
    kind: str
    entity_id: str
    occurred_at: datetime
    payload: dict = field(default_factory=dict)
    #: hybrid logical clock stamp (kiosk/core/hlc.py); orders a visit's events across kiosks
    hlc: str = ""

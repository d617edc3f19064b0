"""Domain values: frozen dataclasses, no behaviour that touches I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


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


def host_from_dict(
    data: Mapping[str, Any],
    *,
    site_id: str,
    department_id: str,
    delegate_id: str | None,
    notify_urls: Sequence[str] = (),
) -> Host:
    """A ``Host`` from a directory record: a directory file's host or a pulled ``host.upserted``.

    The sources name and resolve the ids differently, so the caller passes them; every other
    field takes its default when the record lacks it, and ``notify_urls`` the given value (so a
    change written before head office carried channels leaves a host's own URLs alone).
    """
    urls = data.get("notify_urls", notify_urls)
    if isinstance(urls, str) or not all(isinstance(u, str) for u in urls):
        raise TypeError("a host's notify_urls must be a list of strings")
    return Host(
        id=data["id"],
        site_id=site_id,
        department_id=department_id,
        name_zh=data.get("name_zh", ""),
        name_en=data.get("name_en", ""),
        floor=data.get("floor", ""),
        room=data.get("room", ""),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        language=data.get("language", "zh_CN"),
        away=bool(data.get("away", False)),
        delegate_id=delegate_id,
        notify_urls=tuple(urls),
    )


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
    #: the entry stops matching at this time (None: it never expires)
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One fact to tell the printer, the notifier and head office about."""

    seq: int
    uuid: str
    kind: str
    entity_id: str
    occurred_at: datetime
    payload: dict = field(default_factory=dict)
    #: hybrid logical clock stamp (kiosk/core/store/hlc.py); orders a visit's events across kiosks
    hlc: str = ""

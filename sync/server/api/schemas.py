"""Request and response bodies of the read/manage API, named by direction.

``…Create``/``…Update``/``…Upsert`` come in, ``…Public`` goes out. Kiosk wire types live in
``sync/protocol.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from ..site_address import ADDRESS_MAX

Id = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SiteCreate(_In):
    id: str = Id
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    #: the postal address in each language (``site_address.py``; either may be empty)
    address_zh: str = Field(default="", max_length=ADDRESS_MAX)
    address_en: str = Field(default="", max_length=ADDRESS_MAX)


class SiteUpdate(_In):
    """What ``PATCH /sites/{id}`` may change; a field left out keeps its value."""

    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    #: "" clears it
    address_zh: str | None = Field(default=None, max_length=ADDRESS_MAX)
    address_en: str | None = Field(default=None, max_length=ADDRESS_MAX)


class SitePublic(_Out):
    id: str
    name_zh: str
    name_en: str
    timezone: str
    address_zh: str = ""
    address_en: str = ""


class KioskCreate(_In):
    site_id: str = Id
    name: str = Field(default="", max_length=200)


class KioskPublic(_Out):
    id: str
    site_id: str
    name: str
    created_at: datetime
    enrolled_at: datetime | None
    revoked_at: datetime | None
    last_seen_at: datetime | None


class KioskEnrollmentCode(BaseModel):
    kiosk: KioskPublic
    #: one-time code for ``kiosk enroll URL CODE``; shown only now
    enrollment_code: str
    expires_at: datetime


class VisitPublic(_Out):
    id: str
    site_id: str
    kiosk_id: str
    visitor_id: str | None
    visitor_name: str | None = None
    visitor_company: str | None = None
    host_id: str | None
    department_id: str | None
    state: str
    purpose: str
    invitation_id: str | None
    created_at: datetime | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    auto_checked_out: bool
    checkout_kiosk_id: str | None
    checkout_method: str | None
    #: the latest badge event's outcome: printed, retrying, failed (None: none reported yet)
    badge_status: Literal["printed", "retrying", "failed"] | None = None
    badge_status_at: datetime | None = None
    #: the latest host-message outcome: sent or failed (None: none reported yet)
    notify_status: Literal["sent", "failed"] | None = None
    notify_status_at: datetime | None = None


class RollCallEntry(BaseModel):
    visit_id: str
    visitor_name: str
    visitor_company: str
    host_id: str | None
    department_id: str | None
    checked_in_at: datetime | None
    kiosk_id: str


class RollCallPublic(BaseModel):
    site_id: str
    generated_at: datetime
    count: int
    on_site: list[RollCallEntry]


class InvitationCreate(_In):
    site_id: str = Id
    visitor_name: str = Field(min_length=1, max_length=200)
    phone: str = Field(default="", max_length=64)
    company: str = Field(default="", max_length=200)
    host_id: str | None = Field(default=None, max_length=64)
    purpose: str = Field(default="meeting", min_length=1, max_length=64)
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class InvitationUpdate(_In):
    visitor_name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=64)
    company: str | None = Field(default=None, max_length=200)
    host_id: str | None = Field(default=None, max_length=64)
    purpose: str | None = Field(default=None, min_length=1, max_length=64)
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class InvitationPublic(_Out):
    id: str
    site_id: str
    code: str
    visitor_name: str
    phone: str
    company: str
    host_id: str | None
    purpose: str
    valid_from: datetime | None
    valid_until: datetime | None
    state: Literal["pending", "used", "cancelled"]
    visit_id: str | None
    updated_at: datetime


class DepartmentUpsert(_In):
    site_id: str = Id
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    floor: str = Field(default="", max_length=32)
    room: str = Field(default="", max_length=32)


class DepartmentPublic(_Out):
    id: str
    site_id: str
    name_zh: str
    name_en: str
    floor: str
    room: str


class HostUpsert(_In):
    """A host in the directory file's field names (docs/head-office.md, "The directory file");
    ``department_id`` and ``delegate_id``, the names before, are still accepted."""

    site_id: str = Id
    department: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:\-]+$",
        validation_alias=AliasChoices("department", "department_id"),
    )
    name_zh: str = Field(default="", max_length=200)
    name_en: str = Field(default="", max_length=200)
    floor: str = Field(default="", max_length=32)
    room: str = Field(default="", max_length=32)
    #: an address; kiosks mail it through their ``[notify] mail_server`` (docs/notifications.md)
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=64)
    language: Literal["zh_CN", "en"] = "zh_CN"
    away: bool = False
    delegate: str | None = Field(
        default=None, max_length=64, validation_alias=AliasChoices("delegate", "delegate_id")
    )
    #: the host's own apprise URLs (``mailto://…``, ``wecombot://…``); each is checked by the route
    notify_urls: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(
        default_factory=list, max_length=20
    )

    def columns(self) -> dict[str, Any]:
        """The values as ``models.Host`` columns."""
        values = self.model_dump()
        values["department_id"] = values.pop("department")
        values["delegate_id"] = values.pop("delegate") or None
        return values


class HostPublic(_Out):
    id: str
    site_id: str
    department: str = Field(validation_alias=AliasChoices("department", "department_id"))
    name_zh: str
    name_en: str
    floor: str
    room: str
    email: str
    phone: str
    language: str
    away: bool
    delegate: str | None = Field(validation_alias=AliasChoices("delegate", "delegate_id"))
    #: secrets inside: admins (who set them) and the pull feed of the host's own site only
    notify_urls: list[str]


class WatchlistCreate(_In):
    #: a site id, or "*" for every site
    site_id: str = Field(min_length=1, max_length=64, pattern=r"^(\*|[A-Za-z0-9_.:\-]+)$")
    name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=64)
    reason: str = Field(default="", max_length=2000)
    #: from this time on the entry no longer matches (None: never)
    expires_at: datetime | None = None

    @model_validator(mode="after")
    def _names_someone(self) -> WatchlistCreate:
        if not self.name.strip() and not self.phone.strip():
            raise ValueError("a watchlist entry needs a name or a phone number")
        return self


class WatchlistPublic(_Out):
    id: str
    site_id: str
    name: str
    phone: str
    reason: str
    expires_at: datetime | None = None


class AlertPublic(_Out):
    """An alert a kiosk raised (for the receptionist and security, never the visitor)."""

    id: str
    site_id: str
    kiosk_id: str
    #: what kind of alert: ``watchlist`` (a visitor matched the watchlist), …
    kind: str
    severity: Literal["info", "warning", "critical"]
    #: catalogue key of the text the receptionist reads (kiosk/assets/locale)
    message_key: str
    details: dict[str, str]
    visit_id: str | None
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str
    #: the kiosk that acknowledged it; "" when head office did
    acknowledged_kiosk_id: str | None


class AlertAcknowledge(_In):
    #: who takes it on (a staff id or name)
    by: str = Field(min_length=1, max_length=64)


class OpaqueDocument(BaseModel):
    """Site settings or a building map: JSON the kiosk interprets, head office only stores."""

    model_config = ConfigDict(extra="allow")


class Deleted(BaseModel):
    id: str
    deleted: bool = True

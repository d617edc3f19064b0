"""Changes head office sends through a site's pull feed (its own wire models).

The server builds every change from these models (``sync/server/changes.py``), never from the
admin API's response models, so changing the admin API cannot silently change the wire. The
kiosk's pull handlers (``sync/apply.py``) parse through the same models.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AliasChoices, ConfigDict, Field

from kiosk.core.events.base import Event, Id, Text32, Text64, Text200, Text2000, Time

_ORIGIN = "head office"


class DepartmentUpserted(Event):
    """A department added or changed in the directory."""

    kind: ClassVar[str] = "department.upserted"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = "the kiosk's `departments` table (sync/apply.py)"

    id: Id
    site_id: Id
    name_zh: Text200
    name_en: Text200
    floor: Text32 = ""
    room: Text32 = ""

    @property
    def entity_id(self) -> str:
        return self.id


class _Deleted(Event):
    origin: ClassVar[str] = _ORIGIN

    id: Id

    @property
    def entity_id(self) -> str:
        return self.id


class DepartmentDeleted(_Deleted):
    """A department removed (the kiosk keeps it while old visits refer to it)."""

    kind: ClassVar[str] = "department.deleted"
    consumer: ClassVar[str] = "the kiosk's `departments` table"


class HostUpserted(Event):
    """A host added or changed; ``notify_urls`` are the host's own channels (secrets inside)."""

    kind: ClassVar[str] = "host.upserted"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = "the kiosk's `hosts` table; the notifier reads its channels"

    id: Id
    site_id: Id
    #: ``department`` on the wire (the directory file's name); ``department_id`` accepted
    department_id: Id = Field(
        validation_alias=AliasChoices("department", "department_id"),
        serialization_alias="department",
    )
    name_zh: Text200 = ""
    name_en: Text200 = ""
    floor: Text32 = ""
    room: Text32 = ""
    email: Text200 = ""
    phone: Text64 = ""
    language: Literal["zh_CN", "en"] = "zh_CN"
    away: bool = False
    #: ``delegate`` on the wire; ``delegate_id`` accepted
    delegate_id: Id | None = Field(
        default=None,
        validation_alias=AliasChoices("delegate", "delegate_id"),
        serialization_alias="delegate",
    )
    #: absent in changes written before head office kept channels: the kiosk keeps its own
    notify_urls: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=2000)]], Field(max_length=20)
    ] = []

    @property
    def entity_id(self) -> str:
        return self.id


class HostDeleted(_Deleted):
    """A host removed (kept while old visits refer to them)."""

    kind: ClassVar[str] = "host.deleted"
    consumer: ClassVar[str] = "the kiosk's `hosts` table"


class InvitationUpserted(Event):
    """An invitation created, changed, cancelled or used at any kiosk of the site."""

    kind: ClassVar[str] = "invitation.upserted"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = "the kiosk's `invitations` table (check-in by code)"

    id: Id
    site_id: Id
    code: Annotated[str, Field(min_length=4, max_length=64)]
    visitor_name: Text200
    phone: Text64 = ""
    company: Text200 = ""
    host_id: Id | None = None
    purpose: Annotated[str, Field(min_length=1, max_length=64)] = "meeting"
    valid_from: Time | None = None
    valid_until: Time | None = None
    state: Literal["pending", "used", "cancelled"] = "pending"
    visit_id: Id | None = None
    updated_at: Time | None = None

    @property
    def entity_id(self) -> str:
        return self.id


class WatchlistUpserted(Event):
    """A watchlist entry for this site (or ``*``: every site)."""

    kind: ClassVar[str] = "watchlist.upserted"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = "the kiosk's `watchlist` table (screening at check-in)"

    id: Id
    site_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^(\*|[A-Za-z0-9_.:\-]+)$")]
    name: Text200 = ""
    phone: Text64 = ""
    reason: Text2000 = ""
    #: from this time on the entry no longer matches (None: it never expires)
    expires_at: Time | None = None

    @property
    def entity_id(self) -> str:
        return self.id

    def payload(self) -> dict[str, Any]:
        """Without ``expires_at`` when the entry never expires: a kiosk older than the field
        refuses a payload naming it (events forbid unknown fields), and an entry without an end
        must still reach it."""
        out = super().payload()
        if out.get("expires_at") is None:
            out.pop("expires_at", None)
        return out

    @property
    def claimed_site(self) -> str | None:
        return None if self.site_id == "*" else self.site_id


class WatchlistDeleted(_Deleted):
    """A watchlist entry removed."""

    kind: ClassVar[str] = "watchlist.deleted"
    consumer: ClassVar[str] = "the kiosk's `watchlist` table"


class _Document(Event):
    """An opaque JSON document: head office only stores it, the kiosk interprets it."""

    model_config = ConfigDict(extra="allow")
    origin: ClassVar[str] = _ORIGIN

    @property
    def entity_id(self) -> str:
        return ""

    @property
    def claimed_site(self) -> str | None:
        return None


#: an IANA time zone name, checked against the zone database (``Asia/Shanghai``)
def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"{value!r} is not a time zone (e.g. Asia/Shanghai)") from e
    return value


Zone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_zone)]
SiteName = Annotated[str, Field(min_length=1, max_length=200)]


class SiteUpdated(Event):
    """A site's names or time zone changed at head office (``PATCH /sites/{id}``,
    ``kiosk-server rename-site``)."""

    kind: ClassVar[str] = "site.updated"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = (
        "the kiosk's `sites` row (sync/apply.py), which badges, host messages and the top bar read"
    )

    site_id: Id
    name_zh: SiteName
    name_en: SiteName
    timezone: Zone

    @property
    def entity_id(self) -> str:
        return self.site_id


class SiteSettings(_Document):
    """Head office's settings for the site (any JSON object)."""

    kind: ClassVar[str] = "site.settings"
    consumer: ClassVar[str] = "the kiosk's key-value store, `site.settings`"


class SiteMap(_Document):
    """A legacy opaque building map (any JSON object); ``building.updated`` supersedes it."""

    kind: ClassVar[str] = "site.map"
    consumer: ClassVar[str] = "the kiosk's key-value store, `site.building_map`"


class HostReplied(Event):
    """A host tapped a reply link in a notification."""

    kind: ClassVar[str] = "host.replied"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = (
        'the kiosk\'s notifier (`notify_visits`: the done screen shows "on the way")'
    )

    site_id: Id
    visit_id: Id
    reply_id: Id
    reply: Literal["coming", "wait"]
    #: the N of "Please wait N minutes" (0 for coming)
    minutes: Annotated[int, Field(ge=0, le=1440)]
    recipient: Text64
    replied_at: Time

    @property
    def entity_id(self) -> str:
        return self.visit_id


class BuildingUpdated(Event):
    """A building uploaded at head office (docs/wayfinding.md)."""

    kind: ClassVar[str] = "building.updated"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = "the kiosk's building file (kiosk/core/wayfinding/building_store.py)"

    site_id: Id
    version: Annotated[int, Field(ge=1)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    #: the building document, checked by the kiosk's building loader
    building: dict[str, Any]

    @property
    def entity_id(self) -> str:
        return self.site_id


class SiteKeyRotated(Event):
    """Head office rotated one of the site's keys: fetch the new version (docs/head-office.md)."""

    kind: ClassVar[str] = "site.key_rotated"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = (
        "the kiosk's key store: remembers the version to fetch (kiosk/core/keys/site_keys.py)"
    )

    #: a key purpose (``reply-link``, ``route-link`` …); a kiosk ignores one it has no use for
    purpose: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9-]*$")]
    version: Annotated[int, Field(ge=1)]

    @property
    def entity_id(self) -> str:
        return self.purpose

    @property
    def claimed_site(self) -> str | None:
        return None


class HeadOfficeRestored(Event):
    """Head office was restored from a backup (``kiosk-server restore``): each kiosk pushes its
    whole outbox again, and head office keeps what it lacked (docs/backup.md)."""

    kind: ClassVar[str] = "head_office.restored"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = (
        "the kiosk's sync position: moved back to the start of the outbox "
        "(kiosk/core/backup/resync.py)"
    )

    site_id: Id
    #: when the backup restored was taken, and when it was restored (ISO 8601 text)
    backup_taken_at: Text64
    restored_at: Text64

    @property
    def entity_id(self) -> str:
        return self.site_id


class FeedResync(Event):
    """The kiosk's cursor is older than its site's compaction horizon (the feed before it was
    compacted, ``sync/server/compaction.py``): the kiosk keeps, of what the feed gave it, only
    the directory and watchlist rows named here, and reads the feed again from the start (the
    compacted snapshot, then the changes after it). Sent as the only change of a page whose
    cursor is 0; a kiosk that does not know the kind skips it and still reads again from 0."""

    kind: ClassVar[str] = "feed.resync"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = (
        "the kiosk's `departments`, `hosts` and `watchlist` tables: rows not named are removed "
        "(sync/apply_directory.py)"
    )

    site_id: Id
    #: the site's compaction horizon (the highest change compacted)
    horizon: Annotated[int, Field(ge=1)]
    #: the ids still in the feed, per table (what a replay from the start upserts again)
    departments: list[Id] = []
    hosts: list[Id] = []
    watchlist: list[Id] = []

    @property
    def entity_id(self) -> str:
        return self.site_id


FEED_EVENTS: tuple[type[Event], ...] = (
    DepartmentUpserted,
    DepartmentDeleted,
    HostUpserted,
    HostDeleted,
    InvitationUpserted,
    WatchlistUpserted,
    WatchlistDeleted,
    SiteUpdated,
    SiteSettings,
    SiteMap,
    HostReplied,
    BuildingUpdated,
    SiteKeyRotated,
    HeadOfficeRestored,
    FeedResync,
)

"""The wire format between kiosks and head office, version 1: shared by client and server.

Pydantic models, named by direction (``…In`` travels kiosk → server, ``…Out`` server → kiosk).
The outbox envelope crosses the wire as it is (see docs/events.md) plus its hybrid logical
clock stamp; ``seq`` never leaves the kiosk. A push body may be gzip-compressed
(``Content-Encoding: gzip``).

This module must stay importable without FastAPI or SQLAlchemy: the kiosk imports it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

PROTOCOL_VERSION = 1
#: the versions head office accepts in a push: the current one and every older one still in
#: the field (a newer head office keeps accepting an older kiosk; a version is only dropped
#: in a release note's "removed" section, with the kiosk release that stopped sending it)
SUPPORTED_PROTOCOLS = (1,)
API_PREFIX = "/api/v1"
#: the most events one push may carry (the server answers 413 above it)
MAX_PUSH_EVENTS = 5000
#: the most changes one pull returns
MAX_PULL_CHANGES = 1000
#: the longest head office holds a pull that finds nothing new (``?wait=``, held_pulls.py)
MAX_PULL_WAIT = 30
#: ids, kinds and UUIDs on the wire: letters, digits and ``_ . : -``
ID_PATTERN = r"^[A-Za-z0-9_.:\-]+$"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventIn(_Wire):
    """One outbox event as the kiosk sends it."""

    uuid: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)
    kind: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)
    entity_id: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_.:\-]*$")
    occurred_at: AwareDatetime
    #: hybrid logical clock stamp (kiosk/core/store/hlc.py); "" from kiosks older than schema 2
    hlc: str = Field(default="", max_length=64, pattern=r"^[0-9A-Za-z_\-]*$")
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # 0001-01-01T00:00:00+14:00 is a valid zoned time that no database can hold in UTC
        try:
            return value.astimezone(UTC)
        except OverflowError as e:
            raise ValueError("occurred_at is outside the range of UTC times") from e


class PushIn(_Wire):
    protocol: int = PROTOCOL_VERSION
    events: list[EventIn] = Field(max_length=MAX_PUSH_EVENTS)


class RejectedEvent(_Wire):
    uuid: str
    reason: str


class PushOut(_Wire):
    """What became of each pushed event. Every pushed UUID appears in exactly one list."""

    stored: list[str]
    duplicate: list[str]
    rejected: list[RejectedEvent]
    #: the server's hybrid logical clock after the push (kiosks observe it)
    hlc: str = ""


class ChangeOut(_Wire):
    """One change in a site's pull feed."""

    cursor: int
    kind: str
    entity_id: str
    hlc: str
    payload: dict[str, Any]


class PullOut(_Wire):
    changes: list[ChangeOut]
    #: pass as ``after`` next time; store it with the applied changes in one transaction
    cursor: int
    #: true when more changes wait after ``cursor``
    more: bool


class EnrollIn(_Wire):
    code: str = Field(min_length=4, max_length=64)


class EnrollOut(_Wire):
    kiosk_id: str
    site_id: str
    site_name_zh: str
    site_name_en: str
    site_timezone: str
    #: the kiosk's secret: shown once, stored hashed on the server
    token: str
    #: the name head office gave this kiosk ("Lobby east"): host messages name it
    kiosk_name: str = ""


class ErrorOut(_Wire):
    detail: str


#: the largest health report head office reads (bytes as sent)
MAX_HEALTH_BYTES = 4096
HEALTH_PATH = "/sync/health"


class KioskHealthIn(BaseModel):
    """How a kiosk is doing, sent after a successful sync round (at most once a minute) to
    ``POST /api/v1/sync/health``. Strict types and bounded sizes; a field a newer kiosk adds is
    ignored and one an older kiosk leaves out is unknown (its default), so either side may be
    the older one. A kiosk that never reports is shown as "no health report"."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    #: the kiosk's software version ("0.9.0")
    version: str = Field(default="", max_length=40, pattern=r"^[0-9A-Za-z.+_\-]*$")
    #: seconds since the kiosk app started
    uptime_s: int = Field(default=0, ge=0, le=10 * 366 * 86400)
    #: the kiosk's clock when it sent this (head office compares it with its own; the last
    #: sync is when head office received it, on head office's clock)
    sent_at: AwareDatetime | None = None
    #: outbox events head office has not acknowledged yet
    backlog: int = Field(default=0, ge=0, le=10**9)
    #: the badge printer: idle, printing, stopped, offline, out_of_media, unreachable, unknown
    printer: str = Field(default="", max_length=32, pattern=r"^[a-z_]*$")
    #: the printer's message key when it is not ready (``badge.printer.*``)
    printer_problem: str = Field(default="", max_length=64, pattern=r"^[a-z_.]*$")
    #: the last failed badge's error, as the print queue recorded it
    last_print_error: str = Field(default="", max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
    #: free space on the data directory's disk, and the data directory's own size
    disk_free_mb: int = Field(default=0, ge=0, le=10**9)
    data_mb: int = Field(default=0, ge=0, le=10**9)
    #: alerts nobody at the desk has acknowledged yet
    open_alerts: int = Field(default=0, ge=0, le=10**6)

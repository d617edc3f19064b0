"""``HeadOffice``: everything the kiosk asks head office, as one protocol.

The core declares it and is handed an implementation; it never imports ``sync/``. The one real
client is ``sync.client.HeadOfficeClient`` (requests, TLS always verified); the in-process one
for tests is ``sync.fake.FakeHeadOffice``. Both raise only the project's errors:

- ``TransportError``: not reached, timed out, TLS refused, a 5xx/408/429: retry later;
- ``DeniedError``: the token or the enrollment code was refused (401/403);
- ``NotFoundError``: head office has no such thing (404, e.g. no master secret yet);
- ``ValidationError``: any other 4xx, with head office's reason: sending it again won't help.

Push and pull answers are the wire models of ``sync.protocol``; the protocol is generic in
them so that the core, which never reads them, need not import ``sync``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from kiosk.core.keys.site_keys import KeySet

PushAnswer = TypeVar("PushAnswer", covariant=True)
PullAnswer = TypeVar("PullAnswer", covariant=True)


@dataclass(frozen=True, slots=True)
class EnrollAnswer:
    """Head office's answer to an enrollment code: who this kiosk is, and its secret."""

    kiosk_id: str
    site_id: str
    site_name_zh: str
    site_name_en: str
    site_timezone: str
    #: the kiosk's bearer token (never in a repr, so never in a log line)
    token: str = field(repr=False)
    #: the kiosk's name at head office ("Lobby east"), which host messages give
    kiosk_name: str = ""


class HeadOffice(Protocol[PushAnswer, PullAnswer]):
    """One head office, reached with one kiosk token (none before enrollment)."""

    @property
    def url(self) -> str:
        """Where it is: ``https://host[:port]`` (plain http only on loopback), no slash."""
        ...

    @property
    def ca_bundle(self) -> str:
        """The private CA bundle its certificate is checked against ("": the system's)."""
        ...

    def enroll(self, code: str) -> EnrollAnswer:
        """Trade a one-time enrollment code for a kiosk identity (no token needed)."""
        ...

    def fetch_keys(self) -> KeySet:
        """The current keys of the token's site that a kiosk may hold."""
        ...

    def push(self, body: bytes) -> PushAnswer:
        """Send a ``PushIn`` JSON document (uncompressed; the client may compress it)."""
        ...

    def pull(self, after: int, limit: int, *, wait: float = 0.0) -> PullAnswer:
        """The site's changes after cursor ``after``, at most ``limit`` of them; with ``wait``,
        head office may hold the answer up to that many seconds while nothing is new."""
        ...

    def report_health(self, body: bytes) -> None:
        """Send a ``KioskHealthIn`` JSON document (how the kiosk is doing); ``NotFoundError``
        from a head office too old to take one."""
        ...

    def close(self) -> None:
        """Release its connections."""
        ...


#: what the core holds: it never reads push or pull answers
AnyHeadOffice = HeadOffice[Any, Any]

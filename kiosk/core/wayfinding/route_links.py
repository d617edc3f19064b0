"""Route links: a signed, expiring token that opens the way to a room on the visitor's phone.

The directions screen shows a QR code of ``<head office>/route/<token>``; head office renders
the route from its copy of the site's building (``sync/server/route_page.py``). A token is
``<payload>.<signature>`` (base64url, no padding), the payload compact JSON with the site, the
goal, the accessible flag, the language and an expiry (Unix seconds); the signature is
HMAC-SHA256 over the payload text, truncated to 128 bits to keep the QR code coarse.

Keys: the site's route-link key (``keys.KeyPurpose.ROUTE_LINK``), derived at head office from
its master secret with a label of its own, so a route token can never pass as a reply token or
the reverse; the kiosk fetches it with its other keys (``site_keys.py``). A token names its
key's version (``k``, absent for version 1), so a QR shown before a rotation keeps working.

No personal data: the goal is a room number (or a waypoint id), never a host or their name. A
host's or department's room is resolved on the kiosk before signing. Pure functions plus one
small provider (``RouteLinks``) the app wires at start-up; no I/O, no Kivy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kiosk.core import signed_links
from kiosk.core.config.clock import Clock
from kiosk.core.config.errors import DeniedError
from kiosk.core.keys.hierarchy import SiteKey
from kiosk.core.wayfinding.routes import Route

#: where head office serves the pages (outside the API prefix: a page for people)
ROUTE_PATH = "/route/"
LANGS = ("zh_CN", "en")
#: how long a link works: the rest of the visitor's day, not forever
ROUTE_TTL = 12 * 3600
_VERSION = 1
_MAX_TOKEN = 512
#: HMAC-SHA256 truncated to 128 bits (RFC 2104 §5): a shorter link is a coarser, easier QR
_MAC_BYTES = 16


@dataclass(frozen=True, slots=True)
class RouteToken:
    """What a route link says, once its signature is checked."""

    site_id: str
    #: "room:<number>" or "waypoint:<id>"
    goal: str
    accessible: bool
    lang: str
    expires: int
    #: the version of the site's route-link key that signed it
    key_version: int = 1

    @property
    def target(self) -> str:
        """The room number or waypoint id, as ``wayfinding.route`` takes it."""
        return self.goal.partition(":")[2]


def _valid_goal(goal: str) -> bool:
    kind, _, value = goal.partition(":")
    return kind in ("room", "waypoint") and 0 < len(value) <= 64


def sign(key: bytes, token: RouteToken) -> str:
    """The token text for a link (``key``: the site's route-link key, ``token.key_version``)."""
    if not _valid_goal(token.goal):
        raise ValueError(f"a route goal is 'room:…' or 'waypoint:…', got {token.goal!r}")
    if token.lang not in LANGS:
        raise ValueError(f"unknown language {token.lang!r}")
    body = {
        "v": _VERSION,
        "s": token.site_id,
        "g": token.goal,
        "a": 1 if token.accessible else 0,
        "l": token.lang,
        "e": token.expires,
    }
    if token.key_version != 1:
        body["k"] = token.key_version
    return signed_links.seal(key, body, mac_size=_MAC_BYTES)


def _decode(token: str) -> tuple[str, dict, bytes]:
    return signed_links.split(
        token, max_length=_MAX_TOKEN, what="route token", error_key="route.page.invalid"
    )


def peek_key(token: str) -> tuple[str, int]:
    """The site and key version a token claims (unverified): they pick the key to verify it
    with. ``DeniedError`` if the token is malformed."""
    body = _decode(token)[1]
    version = body.get("k", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DeniedError("route token names no usable key version", key="route.page.invalid")
    return str(body.get("s", "")), version


def verify(key: bytes, token: str, *, now: datetime) -> RouteToken:
    """The token's content if its signature is right and it has not expired.

    ``DeniedError`` with key ``route.page.invalid`` (forged, altered, malformed) or
    ``route.page.expired``.
    """
    payload, body, mac = _decode(token)
    signed_links.check(
        key, payload, mac, mac_size=_MAC_BYTES, what="route token", error_key="route.page.invalid"
    )
    try:
        parsed = RouteToken(
            site_id=str(body["s"]),
            goal=str(body["g"]),
            accessible=bool(body["a"]),
            lang=str(body["l"]),
            expires=int(body["e"]),
            key_version=int(body.get("k", 1)),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise DeniedError("route token lacks a field", key="route.page.invalid") from e
    if body.get("v") != _VERSION or parsed.lang not in LANGS or not _valid_goal(parsed.goal):
        raise DeniedError("route token has an unknown form", key="route.page.invalid")
    if now.timestamp() > parsed.expires:
        raise DeniedError("route token expired", key="route.page.expired")
    return parsed


def route_url(base_url: str, token: str) -> str:
    """The page a phone opens: ``<head office>/route/<token>``."""
    return f"{base_url.rstrip('/')}{ROUTE_PATH}{token}"


def goal_of(route: Route) -> str:
    """The goal of a route as a token names it: its room, else its waypoint."""
    place = route.goal
    return f"room:{place.room}" if place.room else f"waypoint:{place.waypoint}"


class RouteLinks:
    """Makes the phone link for a route shown on the kiosk, or None when there is none to make.

    There is a link only when head office is known (enrolled or ``[head_office] url``) and the
    site's route-link key is at hand (``site_keys.SiteKeys`` fetches it on a worker, a little
    after start-up, and again after a rotation); a stand-alone kiosk shows no QR. ``key`` is
    asked on every call: it answers from memory, and after a rotation with the new version;
    so is ``base_url`` when it is a function (head office's public URL comes with the keys).
    """

    def __init__(
        self,
        *,
        base_url: str | Callable[[], str],
        site_id: str,
        key: Callable[[], SiteKey | None],
        clock: Clock,
        ttl: int = ROUTE_TTL,
    ) -> None:
        self.base_url = base_url
        self.site_id = site_id
        self._key = key
        self.clock = clock
        self.ttl = ttl

    def url_for(self, route: Route, *, accessible: bool, lang: str) -> str | None:
        """The link for ``route``, or None without head office or key."""
        base = self.base_url() if callable(self.base_url) else self.base_url
        key = self._key() if base else None
        if key is None:
            return None
        expires = int(self.clock.now().timestamp()) + self.ttl
        token = RouteToken(self.site_id, goal_of(route), accessible, lang, expires, key.version)
        return route_url(base, sign(key.key, token))

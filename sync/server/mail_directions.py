"""The directions link in a guest's invitation mail: the route page (``route_page.py``) from
the kiosk in the lobby to the host's room, the same route the kiosk's directions screen draws.

A signed route token (``kiosk.core.wayfinding.route_links``) with the site's current route-link
key, in the guest's language, naming the room only (never the host or the guest), valid until
the end of the invitation's day (``LINK_DAYS`` from sending for an invitation without one). There
is no link when head office has no public URL (``--public-url``) or no master secret, the
invitation has no host, neither the host nor their department has a room, or the site's building
(the latest uploaded) does not have that room: a mail never carries a link that would answer
"not on the map".

Must never: put anything but the room in the link, or sign with a key other than the site's
route-link key.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.wayfinding.model import Building
from kiosk.core.wayfinding.route_links import LANGS, RouteToken, route_url, sign

from .buildings import site_building
from .keys import PUBLIC_URL_ENV, current_key
from .models import Department, Host, Invitation

#: how long the link of an invitation with no day works
LINK_DAYS = 30


def host_room(session: Session, host: Host, building: Building) -> str:
    """The host's room, else their department's (the building file's room for the department
    first, as the kiosk's ``wayfinding.routes.resolve`` takes it), else ""."""
    if host.room:
        return host.room
    department = session.get(Department, host.department_id) if host.department_id else None
    if department is None or department.site_id != host.site_id:
        return ""
    return building.departments.get(department.id, department.room)


def directions_url(
    session: Session,
    inv: Invitation,
    *,
    lang: str,
    now: datetime,
    base_url: str | None = None,
) -> str | None:
    """The guest's link to the way to their host's room, or None when there is none to give.

    ``base_url``: head office's public address (default ``$KIOSK_SERVER_PUBLIC_URL``)."""
    base = (os.environ.get(PUBLIC_URL_ENV, "") if base_url is None else base_url).strip()
    host = session.get(Host, inv.host_id) if inv.host_id else None
    if not base or host is None or host.site_id != inv.site_id:
        return None
    current = site_building(session, inv.site_id)
    if current is None:
        return None
    room = host_room(session, host, current.building)
    if room not in current.building.room_by_number:
        return None
    key = current_key(session, inv.site_id, KeyPurpose.ROUTE_LINK)
    if key is None:
        return None
    until = inv.valid_until if inv.valid_until is not None else now + timedelta(days=LINK_DAYS)
    token = RouteToken(
        site_id=inv.site_id,
        goal=f"room:{room}",
        accessible=False,
        lang=lang if lang in LANGS else "zh_CN",
        expires=int(until.timestamp()),
        key_version=key.version,
    )
    return route_url(base, sign(key.key, token))

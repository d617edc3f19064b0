"""What the admin route modules share: the path and filter types, the common answers and
the site lookup. Admin routes append every change a site's kiosks must know about to that site's
pull feed in the same transaction (``append_change``), so a kiosk never sees a half-made change.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from sqlalchemy.orm import Session

from kiosk.core.config.errors import NotFoundError, ValidationError

from ...protocol import ErrorOut
from ..models import Host, Site

#: the answers every admin route may give, for the OpenAPI document
ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing, unknown or revoked token"},
    403: {"model": ErrorOut, "description": "not an admin token"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "not found"}}
SiteFilter = Annotated[str | None, Query(max_length=64)]
PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


def get_site(session: Session, site_id: str) -> Site:
    """The site, or ``NotFoundError`` (404)."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFoundError(f"no site {site_id!r}")
    return site


def check_host(session: Session, site_id: str, host_id: str | None) -> None:
    """``ValidationError`` (400) unless ``host_id`` is None or a host of this site."""
    if host_id is None:
        return
    host = session.get(Host, host_id)
    if host is None or host.site_id != site_id:
        raise ValidationError(f"no host {host_id!r} at this site")

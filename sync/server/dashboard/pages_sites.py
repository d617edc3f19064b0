"""Sites: the overview of every site the viewer sees (on site now, today's visits, open
alerts, kiosks), a site's page with its kiosks and postal address (set by admins), adding a
site (admins) and a kiosk (admins,
the site's managers): the new kiosk's one-time enrollment code is shown once, as text and as a
QR code of the ``kiosk enroll`` command that uses it.
"""

from __future__ import annotations

import base64
import io
import os
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import qrcode
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

from kiosk.core.config.errors import ValidationError

from .. import kiosk_health
from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..api.schemas import SiteCreate
from ..api.sites_routes import create_kiosk_record, create_site_record, update_site_record
from ..keys import PUBLIC_URL_ENV
from ..models import Kiosk, Site
from ..site_address import ADDRESS_MAX, clean_address
from . import audit, queries
from .accounts import Viewer
from .web import PREFIX, CurrentViewer, PostingViewer, now, render, require, site_or_404

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]
#: a little over ``ADDRESS_MAX``: runs of spaces still collapse before the length counts
Address = Annotated[str, Form(max_length=2 * ADDRESS_MAX)]


def visible_sites(session, viewer: Viewer) -> list[str]:
    ids = list(session.scalars(select(Site.id).order_by(Site.id)))
    return [i for i in ids if viewer.sees(i)]


@router.get("/")
def overview(request: Request, viewer: CurrentViewer, session: SessionDep) -> Response:
    require(viewer, "overview")
    with session.begin():
        summaries = queries.site_summaries(session, visible_sites(session, viewer))
    return render(request, "overview.html", viewer=viewer, summaries=summaries, now=now())


@router.get("/sites/new")
def new_site_form(request: Request, viewer: CurrentViewer) -> Response:
    require(viewer, "sites")
    return render(request, "site_new.html", viewer=viewer, error="", values={})


@router.post("/sites/new")
def add_site(
    request: Request,
    viewer: PostingViewer,
    session: SessionDep,
    id: Text,
    name_zh: Text,
    name_en: Text,
    timezone: Text = "Asia/Shanghai",
    address_zh: Address = "",
    address_en: Address = "",
) -> Response:
    require(viewer, "sites")
    values = {"id": id, "name_zh": name_zh, "name_en": name_en, "timezone": timezone}
    addresses = {"address_zh": address_zh, "address_en": address_en}
    try:
        body = SiteCreate(
            **{k: v.strip() for k, v in values.items()},
            **{k: clean_address(v, field=k) for k, v in addresses.items()},
        )
        ZoneInfo(body.timezone)
    except ValidationError:
        return _site_error(request, viewer, "site.address.invalid", values | addresses)
    except (PydanticValidationError, ZoneInfoNotFoundError, ValueError):
        return _site_error(request, viewer, "dashboard.site.invalid", values | addresses)
    with session.begin():
        if session.get(Site, body.id) is not None:
            return _site_error(request, viewer, "dashboard.site.exists", values)
        create_site_record(session, **body.model_dump())
        audit.by(
            session,
            viewer,
            "dashboard.site_added",
            site_id=body.id,
            subject_kind="site",
            subject_id=body.id,
        )
    return RedirectResponse(f"{PREFIX}/sites/{body.id}", status_code=303)


def _site_error(request: Request, viewer: Viewer, error: str, values: dict) -> Response:
    return render(
        request, "site_new.html", viewer=viewer, error=error, values=values, status_code=400
    )


@router.get("/sites/{site_id}")
def site_page(request: Request, site_id: PathId, viewer: CurrentViewer, session: SessionDep):
    require(viewer, "overview", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        kiosks = _kiosk_lines(session, site_id)
        summary = queries.site_summaries(session, [site_id])[0]
    return render(
        request, "site.html", viewer=viewer, site=site, kiosks=kiosks, summary=summary, new=None
    )


@router.post("/sites/{site_id}/address")
def set_address(
    request: Request,
    site_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    address_zh: Address = "",
    address_en: Address = "",
) -> Response:
    """The site's postal address, for its guests' mails and the route page (admins)."""
    require(viewer, "sites", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        try:
            changed = update_site_record(
                session, site, address_zh=address_zh, address_en=address_en
            )
        except ValidationError:
            kiosks = _kiosk_lines(session, site_id)
            summary = queries.site_summaries(session, [site_id])[0]
            return render(
                request,
                "site.html",
                viewer=viewer,
                site=site,
                kiosks=kiosks,
                summary=summary,
                new=None,
                address_error="site.address.invalid",
                address_values={"address_zh": address_zh, "address_en": address_en},
                status_code=400,
            )
        if changed:
            audit.by(
                session,
                viewer,
                "dashboard.site_address_set",
                site_id=site_id,
                subject_kind="site",
                subject_id=site_id,
            )
    return RedirectResponse(f"{PREFIX}/sites/{site_id}", status_code=303)


def _kiosk_lines(session, site_id: str) -> list[kiosk_health.KioskHealthView]:
    """The site's kiosks with their last health report and how long each has been quiet."""
    at, quiet_after = now(), queries.quiet_after()
    rows = session.scalars(select(Kiosk).where(Kiosk.site_id == site_id).order_by(Kiosk.id))
    return [kiosk_health.view(k, now=at, quiet_after=quiet_after) for k in rows]


@router.post("/sites/{site_id}/kiosks")
def add_kiosk(
    request: Request,
    site_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    name: Text = "",
) -> Response:
    require(viewer, "kiosks", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        kiosk, code = create_kiosk_record(session, site_id=site_id, name=name.strip())
        audit.by(
            session,
            viewer,
            "dashboard.kiosk_added",
            site_id=site_id,
            subject_kind="kiosk",
            subject_id=kiosk.id,
        )
        kiosks = _kiosk_lines(session, site_id)
        summary = queries.site_summaries(session, [site_id])[0]
    command = f"kiosk enroll {server_url(request)} {code}"
    new = {"kiosk": kiosk, "code": code, "command": command, "qr": qr_data_uri(command)}
    return render(
        request,
        "site.html",
        viewer=viewer,
        site=site,
        kiosks=kiosks,
        summary=summary,
        new=new,
    )


def server_url(request: Request) -> str:
    """The address kiosks reach head office at: ``--public-url`` when set, else this one."""
    return os.environ.get(PUBLIC_URL_ENV, "").rstrip("/") or str(request.base_url).rstrip("/")


def qr_data_uri(text: str) -> str:
    """A PNG QR code of ``text`` as a ``data:`` URI (the CSP allows data: images only)."""
    image = qrcode.make(text, box_size=6, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()

"""A site's receptionist accounts (the PINs of the kiosks' receptionist mode): the list, adding
one, disabling or enabling one and setting a new PIN, for admins and the site's managers.

The records are the server's own (``reception.add_staff``, what ``kiosk-server staff add``
does, and ``staff_changes``): every kiosk of the site gets the change at its next pull. The
list names the site's staff, so viewing it is an audit entry; every change is one too (the
account's id, never a PIN).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kiosk.core.config.errors import KioskError, NotFoundError

from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..reception import ROLES, add_staff, site_staff
from ..staff_changes import reset_pin, set_disabled
from . import audit
from .accounts import Viewer
from .web import (
    PREFIX,
    CurrentViewer,
    PageMissing,
    PostingViewer,
    render,
    require,
    site_or_404,
)

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]
Pin = Annotated[str, Form(max_length=32)]


def _page(request: Request, viewer: Viewer, session, site_id: str, **extra) -> Response:
    site = site_or_404(session, viewer, site_id)
    staff = site_staff(session, site_id)
    audit.by(
        session,
        viewer,
        "dashboard.viewed",
        site_id=site_id,
        subject_kind="page",
        subject_id="staff",
        fields="name",
        details={"rows": str(len(staff))},
    )
    status_code = extra.pop("status_code", 200)
    return render(
        request,
        "staff.html",
        viewer=viewer,
        site=site,
        staff=staff,
        roles=ROLES,
        error=extra.pop("error", ""),
        values=extra.pop("values", {}),
        done=extra.pop("done", request.query_params.get("done", "")),
        status_code=status_code,
    )


@router.get("/sites/{site_id}/staff")
def staff_page(request: Request, site_id: PathId, viewer: CurrentViewer, session: SessionDep):
    require(viewer, "staff", site_id)
    with session.begin():
        return _page(request, viewer, session, site_id)


def _log(session, viewer: Viewer, site_id: str, action: str, staff_id: str) -> None:
    audit.by(
        session,
        viewer,
        action,
        site_id=site_id,
        subject_kind="staff",
        subject_id=staff_id,
    )


def _refused(
    request: Request, viewer: Viewer, session, site_id: str, e: KioskError, values=None
) -> Response:
    """The page again with the translated reason (and what was typed, but never a PIN)."""
    with session.begin():
        return _page(
            request,
            viewer,
            session,
            site_id,
            error=e.message_key,
            values=values or {},
            status_code=400,
        )


def _back(site_id: str, done: str) -> Response:
    return RedirectResponse(f"{PREFIX}/sites/{site_id}/staff?done={done}", status_code=303)


@router.post("/sites/{site_id}/staff")
def add_account(
    request: Request,
    site_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    name: Text,
    role: Annotated[str, Form(max_length=16)],
    pin: Pin,
    language: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    require(viewer, "staff", site_id)
    lang = language if language in ("zh_CN", "en") else ""
    try:
        with session.begin():
            site_or_404(session, viewer, site_id)
            row = add_staff(session, site_id=site_id, name=name, role=role, pin=pin, language=lang)
            _log(session, viewer, site_id, "dashboard.staff_added", row.id)
    except KioskError as e:
        values = {"name": name, "role": role, "language": lang}
        return _refused(request, viewer, session, site_id, e, values)
    return _back(site_id, "added")


@router.post("/sites/{site_id}/staff/{staff_id}/disabled")
def disable_account(
    request: Request,
    site_id: PathId,
    staff_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    disabled: Annotated[str, Form(max_length=1)] = "1",
) -> Response:
    require(viewer, "staff", site_id)
    off = disabled == "1"
    try:
        with session.begin():
            set_disabled(session, site_id=site_id, staff_id=staff_id, disabled=off)
            action = "dashboard.staff_disabled" if off else "dashboard.staff_enabled"
            _log(session, viewer, site_id, action, staff_id)
    except NotFoundError as e:
        raise PageMissing(viewer) from e
    return _back(site_id, "disabled" if off else "enabled")


@router.post("/sites/{site_id}/staff/{staff_id}/pin")
def new_pin(
    request: Request,
    site_id: PathId,
    staff_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    pin: Pin,
) -> Response:
    require(viewer, "staff", site_id)
    try:
        with session.begin():
            reset_pin(session, site_id=site_id, staff_id=staff_id, pin=pin)
            _log(session, viewer, site_id, "dashboard.staff_pin_reset", staff_id)
    except NotFoundError as e:
        raise PageMissing(viewer) from e
    except KioskError as e:
        return _refused(request, viewer, session, site_id, e)
    return _back(site_id, "pin")

"""Dashboard accounts in the browser (admins): list them, add one (with a TOTP secret shown
once as a QR code for an authenticator app), disable one (its sessions end at once). The same
``create_user`` as ``kiosk-server dashboard-user add``. An admin cannot disable themself, so
the last admin is never locked out by a slip."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, select

from kiosk.core.config.errors import ValidationError

from ..api.deps import SessionDep
from . import audit
from .accounts import create_user, totp_uri
from .models import ROLES, DashboardSession, DashboardUser
from .pages_sites import qr_data_uri
from .web import PREFIX, CurrentViewer, PageMissing, PostingViewer, render, require

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]


def _page(request: Request, viewer, session, **extra) -> Response:
    users = list(session.scalars(select(DashboardUser).order_by(DashboardUser.name)))
    status_code = extra.pop("status_code", 200)
    return render(
        request,
        "users.html",
        viewer=viewer,
        users=users,
        roles=ROLES,
        status_code=status_code,
        **{"made": None, "error": "", **extra},
    )


@router.get("/users")
def users(request: Request, viewer: CurrentViewer, session: SessionDep) -> Response:
    require(viewer, "users")
    with session.begin():
        return _page(request, viewer, session)


@router.post("/users")
def add_user(
    request: Request,
    viewer: PostingViewer,
    session: SessionDep,
    name: Text,
    password: Annotated[str, Form(max_length=1000)],
    role: Text,
    sites: Text = "",
    totp: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    require(viewer, "users")
    site_list = [s.strip() for s in sites.replace("，", ",").split(",") if s.strip()]
    with session.begin():
        try:
            if role != "admin" and not site_list:
                raise ValidationError("sites needed")
            user = create_user(
                session,
                name=name.strip(),
                password=password,
                role=role,
                sites=site_list,
                totp=bool(totp),
            )
        except ValidationError:
            return _page(request, viewer, session, error="dashboard.users.invalid", status_code=400)
        audit.by(
            session,
            viewer,
            "dashboard.user_added",
            subject_kind="dashboard_user",
            subject_id=f"hq-{user.id}",
            details={"role": user.role},
        )
        made = {"name": user.name, "uri": "", "qr": ""}
        if user.totp_secret:
            made["uri"] = totp_uri(user)
            made["qr"] = qr_data_uri(made["uri"])
        return _page(request, viewer, session, made=made)


@router.post("/users/{user_id}/disable")
def disable_user(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    viewer: PostingViewer,
    session: SessionDep,
) -> Response:
    require(viewer, "users")
    with session.begin():
        user = session.get(DashboardUser, user_id)
        if user is None:
            raise PageMissing(viewer)
        if user.id != viewer.id:
            user.disabled = True
            session.execute(delete(DashboardSession).where(DashboardSession.user_id == user.id))
            audit.by(
                session,
                viewer,
                "dashboard.user_disabled",
                subject_kind="dashboard_user",
                subject_id=f"hq-{user.id}",
            )
    return RedirectResponse(f"{PREFIX}/users", status_code=303)

"""Invitations (admin tokens): invite a guest, change or cancel a pending invitation. Each
change reaches the site's kiosks as ``invitation.upserted``; they check the guest in by code or
phone.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import NotFoundError

from ...protocol import ErrorOut
from .. import feed
from ..changes import append_change
from ..errors import ConflictError
from ..models import Invitation
from .admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, SiteFilter, check_host, get_site
from .deps import CurrentAdmin, SessionDep
from .pages import PAGE, After, Limit, newest_first, page, time_position
from .schemas import InvitationCreate, InvitationPublic, InvitationUpdate

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)


def _invitation(session: Session, invitation_id: str) -> Invitation:
    inv = session.get(Invitation, invitation_id)
    if inv is None:
        raise NotFoundError(f"no invitation {invitation_id!r}")
    return inv


def _feed_invitation(session: Session, inv: Invitation) -> None:
    session.flush()
    append_change(session, site_id=inv.site_id, change=feed.invitation_upserted(inv))


@router.get("/invitations", response_model=list[InvitationPublic])
def list_invitations(
    _: CurrentAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
    after: After = None,
    limit: Limit = PAGE,
    site_id: SiteFilter = None,
    state: Annotated[str | None, Query(pattern="^(pending|used|cancelled)$")] = None,
) -> list[Invitation]:
    """Invitations, last changed first, a page at a time (``pages.py``)."""
    query = newest_first(select(Invitation), Invitation.updated_at, Invitation.id, after)
    if site_id:
        query = query.where(Invitation.site_id == site_id)
    if state:
        query = query.where(Invitation.state == state)
    rows = session.scalars(query.limit(limit + 1)).all()
    return page(
        rows,
        limit,
        request=request,
        response=response,
        position=lambda r: time_position(r.updated_at, r.id),
    )


@router.post(
    "/invitations",
    response_model=InvitationPublic,
    status_code=201,
    responses={**NOT_FOUND, 400: {"model": ErrorOut, "description": "unknown host"}},
)
def create_invitation(body: InvitationCreate, _: CurrentAdmin, session: SessionDep) -> Invitation:
    """Invite a guest; the site's kiosks pull it and check the guest in by code or phone."""
    with session.begin():
        return create_invitation_record(session, body)


def create_invitation_record(session: Session, body: InvitationCreate) -> Invitation:
    """The invitation and its ``invitation.upserted`` change, in the session's transaction
    (the API and the dashboard's invitations page)."""
    get_site(session, body.site_id)
    check_host(session, body.site_id, body.host_id)
    inv = Invitation(
        id=secrets.token_hex(16),
        code=_new_invitation_code(session),
        state="pending",
        updated_at=datetime.now(UTC),
        **body.model_dump(),
    )
    session.add(inv)
    _feed_invitation(session, inv)
    return inv


def _new_invitation_code(session: Session) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(8))
        if session.scalar(select(Invitation.id).where(Invitation.code == code)) is None:
            return code


@router.get("/invitations/{invitation_id}", response_model=InvitationPublic, responses=NOT_FOUND)
def get_invitation(invitation_id: PathId, _: CurrentAdmin, session: SessionDep) -> Invitation:
    return _invitation(session, invitation_id)


@router.patch(
    "/invitations/{invitation_id}",
    response_model=InvitationPublic,
    responses={
        **NOT_FOUND,
        400: {"model": ErrorOut, "description": "unknown host"},
        409: {"model": ErrorOut, "description": "not pending"},
    },
)
def update_invitation(
    invitation_id: PathId, body: InvitationUpdate, _: CurrentAdmin, session: SessionDep
) -> Invitation:
    with session.begin():
        inv = _invitation(session, invitation_id)
        update_invitation_record(session, inv, body.model_dump(exclude_unset=True))
    return inv


def update_invitation_record(session: Session, inv: Invitation, changes: dict) -> Invitation:
    """Change a pending invitation (``ConflictError`` otherwise; ``ValidationError`` for a host
    of another site) and feed it to the site's kiosks, in the session's transaction (the API's
    PATCH and the dashboard's change page)."""
    if inv.state != "pending":
        raise ConflictError(f"invitation is {inv.state}")
    if "host_id" in changes:
        check_host(session, inv.site_id, changes["host_id"])
    for key, value in changes.items():
        setattr(inv, key, value)
    inv.updated_at = datetime.now(UTC)
    _feed_invitation(session, inv)
    return inv


@router.post(
    "/invitations/{invitation_id}/cancel",
    response_model=InvitationPublic,
    responses={**NOT_FOUND, 409: {"model": ErrorOut, "description": "already used"}},
)
def cancel_invitation(invitation_id: PathId, _: CurrentAdmin, session: SessionDep) -> Invitation:
    with session.begin():
        return cancel_invitation_record(session, _invitation(session, invitation_id))


def cancel_invitation_record(session: Session, inv: Invitation) -> Invitation:
    """Cancel (idempotent; ``ConflictError`` once used) and feed it to the site's kiosks."""
    if inv.state == "used":
        raise ConflictError("invitation already used")
    if inv.state != "cancelled":
        inv.state = "cancelled"
        inv.updated_at = datetime.now(UTC)
        _feed_invitation(session, inv)
    return inv

"""Changing a pending invitation: its day, host, the guest's name and company.

The change is the API's PATCH (``update_invitation_record``): it reaches the site's kiosks as
``invitation.upserted`` at their next pull. When the guest was sent the invitation (a record
in ``invitation_messages``), a change to what the message says (name, day, host) queues it
again, to the same address (read from its sealed record, stored sealed again) in the same
language, so the guest has the new day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

from kiosk.core.config.clock import site_time
from kiosk.core.config.errors import ValidationError

from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..api.invitation_routes import update_invitation_record
from ..api.schemas import InvitationUpdate
from ..invitation_mail import queue_invitation_mail
from ..mail_models import InvitationMessage
from ..models import Host, Invitation, Site
from . import audit
from .pages_invitations import day_bounds, message_channels, wake_mailer
from .web import PREFIX, CurrentViewer, PageMissing, PostingViewer, now, render, require

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]
#: the fields the guest's message shows: a change to one of them sends it again
IN_THE_MESSAGE = ("visitor_name", "host_id", "valid_from")
#: what the page changes
FIELDS = ("visitor_name", "company", "host_id", "valid_from", "valid_until")


def _pending_or_409(inv: Invitation) -> dict[str, object]:
    """The form's refusal of an invitation already used or cancelled (none while pending)."""
    if inv.state == "pending":
        return {}
    return {"error": "dashboard.invitations.not_pending", "status_code": 409}


def _invitation(session, viewer, invitation_id: str) -> tuple[Invitation, Site]:
    inv = session.get(Invitation, invitation_id)
    if inv is None:
        raise PageMissing(viewer)
    require(viewer, "invite", inv.site_id)
    site = session.get(Site, inv.site_id)
    if site is None:
        raise PageMissing(viewer)
    return inv, site


def _form(request: Request, viewer, session, inv: Invitation, site: Site, **extra) -> Response:
    hosts = session.scalars(select(Host).where(Host.site_id == inv.site_id).order_by(Host.id))
    day = (
        site_time(_utc(inv.valid_from), site.timezone).date().isoformat() if inv.valid_from else ""
    )
    values = {
        "visitor_name": inv.visitor_name,
        "company": inv.company,
        "host_id": inv.host_id or "",
        "day": day,
    }
    return render(
        request,
        "invitation_change.html",
        viewer=viewer,
        inv=inv,
        hosts=list(hosts),
        values={**values, **extra.pop("values", {})},
        **{"error": "", **extra},
    )


@router.get("/invitations/{invitation_id}/change")
def change_form(
    request: Request, invitation_id: PathId, viewer: CurrentViewer, session: SessionDep
) -> Response:
    with session.begin():
        inv, site = _invitation(session, viewer, invitation_id)
        audit.by(
            session,
            viewer,
            "dashboard.viewed",
            site_id=inv.site_id,
            subject_kind="invitation",
            subject_id=inv.id,
            fields="name,company",
        )
        return _form(request, viewer, session, inv, site, **_pending_or_409(inv))


@router.post("/invitations/{invitation_id}/change")
def change(
    request: Request,
    invitation_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    visitor_name: Text,
    company: Text = "",
    host_id: Text = "",
    day: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    typed = {"visitor_name": visitor_name, "company": company, "host_id": host_id, "day": day}
    with session.begin():
        inv, site = _invitation(session, viewer, invitation_id)
        if inv.state != "pending":
            return _form(request, viewer, session, inv, site, **_pending_or_409(inv))
        try:
            valid_from, valid_until = day_bounds(day.strip(), site.timezone)
            body = InvitationUpdate(
                visitor_name=visitor_name.strip(),
                company=company.strip(),
                host_id=host_id.strip() or None,
                valid_from=valid_from,
                valid_until=valid_until,
            )
            wanted = body.model_dump(include=set(FIELDS))
            changes = {k: v for k, v in wanted.items() if not _same(getattr(inv, k), v)}
            if changes:
                update_invitation_record(session, inv, changes)
        except (PydanticValidationError, ValidationError, ValueError):
            return _form(
                request,
                viewer,
                session,
                inv,
                site,
                values=typed,
                error="dashboard.invitations.invalid",
                status_code=400,
            )
        if changes:
            resent = _send_again(request, session, inv) if _told(changes) else 0
            audit.by(
                session,
                viewer,
                "dashboard.invitation_changed",
                site_id=inv.site_id,
                subject_kind="invitation",
                subject_id=inv.id,
                details={"changed": ",".join(sorted(changes)), "resent": str(resent)},
            )
        where = inv.site_id
    wake_mailer(request)
    return RedirectResponse(f"{PREFIX}/invitations?site={where}", status_code=303)


def _told(changes: dict) -> bool:
    return any(k in changes for k in IN_THE_MESSAGE)


def _send_again(request: Request, session, inv: Invitation) -> int:
    """Queue the invitation again on each channel the guest was last sent it (the latest
    record's address and language); the number queued."""
    mail_on, sms_on = message_channels(request)
    latest: dict[str, InvitationMessage] = {}
    for m in session.scalars(
        select(InvitationMessage)
        .where(InvitationMessage.invitation_id == inv.id)
        .order_by(InvitationMessage.created_at)
    ):
        latest[m.channel] = m
    queued = 0
    for channel, m in latest.items():
        if (channel == "email" and mail_on) or (channel == "sms" and sms_on):
            queue_invitation_mail(
                session, inv, address=m.address, language=m.language, now=now(), channel=channel
            )
            queued += 1
    return queued


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def _same(old: object, new: object) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return _utc(old) == _utc(new)
    return old == new

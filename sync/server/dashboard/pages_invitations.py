"""Invitations: the guests expected at the viewer's sites, inviting one, and cancelling.

An invitation made here is the API's (``create_invitation_record``): it reaches the site's
kiosks as ``invitation.upserted`` at their next pull, and the guest checks in there with the
eight-character code (or their phone number). The page shows the code once made; with an
e-mail address the guest is also mailed the invitation in their language with the code as a QR
image (``invitation_mail.py``: queued in the same transaction, sent by the app's mailer when
``$KIOSK_SERVER_MAIL_URL`` is set). Each invitation's latest message and its state are listed.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

from kiosk.core.config.errors import KioskError, ValidationError
from kiosk.core.config.i18n import LANGUAGES
from kiosk.core.directory.file import MAX_FILE_BYTES
from kiosk.core.visits.validation import parse_phone

from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..api.invitation_routes import cancel_invitation_record, create_invitation_record
from ..api.schemas import InvitationCreate
from ..errors import ConflictError
from ..invitation_mail import check_address, queue_invitation_mail
from ..mail_models import InvitationMessage
from ..mail_worker import InvitationMailer
from ..models import Host, Invitation
from . import audit, queries
from .guest_file import plan_guests
from .pages_sites import visible_sites
from .web import (
    PREFIX,
    CurrentViewer,
    PageMissing,
    PostingViewer,
    language,
    now,
    render,
    require,
    site_or_404,
)

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]
STATES = ("pending", "used", "cancelled")


def _page(request: Request, viewer, session, site: str, state: str, **extra) -> Response:
    sites = [site] if site else visible_sites(session, viewer)
    query = select(Invitation).where(Invitation.site_id.in_(sites))
    if state in STATES:
        query = query.where(Invitation.state == state)
    rows = list(session.scalars(query.order_by(Invitation.updated_at.desc()).limit(500)))
    hosts = list(
        session.scalars(select(Host).where(Host.site_id.in_(sites)).order_by(Host.id).limit(2000))
    )
    mails: dict[str, dict[str, InvitationMessage]] = {}
    for m in session.scalars(
        select(InvitationMessage)
        .where(InvitationMessage.invitation_id.in_([r.id for r in rows]))
        .order_by(InvitationMessage.created_at)
    ):
        mails.setdefault(m.invitation_id, {})[m.channel] = m  # the latest of each channel
    audit.by(
        session,
        viewer,
        "dashboard.viewed",
        site_id=site,
        subject_kind="page",
        subject_id="invitations",
        fields="name,company,phone",
        details={"rows": str(len(rows))},
    )
    return render(
        request,
        "invitations.html",
        viewer=viewer,
        rows=rows,
        hosts=hosts,
        sites=visible_sites(session, viewer),
        site=site,
        state=state,
        states=STATES,
        zones=queries.site_zones(session, sites),
        mails=mails,
        mail_on=message_channels(request)[0],
        sms_on=message_channels(request)[1],
        **{"made": None, "error": "", "imported": None, **extra},
    )


@router.get("/invitations")
def invitations(
    request: Request,
    viewer: CurrentViewer,
    session: SessionDep,
    site: Annotated[str, Query(max_length=64)] = "",
    state: Annotated[str, Query(max_length=16)] = "pending",
) -> Response:
    require(viewer, "personal", site or None)
    with session.begin():
        return _page(request, viewer, session, site, state)


@router.post("/invitations")
def invite(
    request: Request,
    viewer: PostingViewer,
    session: SessionDep,
    site_id: Text,
    visitor_name: Text,
    phone: Text = "",
    company: Text = "",
    host_id: Text = "",
    day: Annotated[str, Form(max_length=10)] = "",
    email: Text = "",
    language: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    require(viewer, "invite", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        try:
            valid_from, valid_until = day_bounds(day, site.timezone)
            body = InvitationCreate(
                site_id=site_id,
                visitor_name=visitor_name.strip(),
                phone=phone.strip(),
                company=company.strip(),
                host_id=host_id.strip() or None,
                valid_from=valid_from,
                valid_until=valid_until,
            )
            address = check_address(email) if email.strip() else ""  # before anything is made
            made = create_invitation_record(session, body)
            _queue(request, session, made, address, body.phone, _lang(request, language))
        except (PydanticValidationError, ValidationError, ValueError) as e:
            bad_mail = getattr(e, "field", "") == "email"
            why = "invite_mail.page.bad_address" if bad_mail else "dashboard.invitations.invalid"
            return _page(
                request,
                viewer,
                session,
                site_id,
                "pending",
                error=why,
                status_code=400,
            )
        audit.by(
            session,
            viewer,
            "dashboard.invited",
            site_id=site_id,
            subject_kind="invitation",
            subject_id=made.id,
        )
        page = _page(request, viewer, session, site_id, "pending", made=made)
    wake_mailer(request)
    return page


@router.post("/invitations/import")
def invite_many(
    request: Request,
    viewer: PostingViewer,
    session: SessionDep,
    site_id: Text,
    file: Annotated[UploadFile, File()],
) -> Response:
    """One invitation per good row of a guest spreadsheet (``guest_file.py``)."""
    require(viewer, "invite", site_id)
    data = file.file.read(MAX_FILE_BYTES + 1)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        hosts: dict[str, str] = {}
        for h in session.scalars(select(Host).where(Host.site_id == site_id)):
            for key in (h.name_en, h.name_zh, h.id):  # a host by its id or either name
                if key:
                    hosts[key] = h.id
        try:
            guests, problems = plan_guests(data, hosts)
        except (ValidationError, KioskError) as e:
            return _page(
                request,
                viewer,
                session,
                site_id,
                "pending",
                imported={"error": e.detail or str(e), "count": 0, "problems": []},
                status_code=400,
            )
        for g in guests:
            valid_from, valid_until = day_bounds(g.day.isoformat() if g.day else "", site.timezone)
            inv = create_invitation_record(
                session,
                InvitationCreate(
                    site_id=site_id,
                    visitor_name=g.name,
                    phone=g.phone,
                    company=g.company,
                    host_id=g.host_id,
                    valid_from=valid_from,
                    valid_until=valid_until,
                ),
            )
            _queue(request, session, inv, g.email, g.phone, _lang(request, g.language))
        audit.by(
            session,
            viewer,
            "dashboard.invited",
            site_id=site_id,
            subject_kind="invitation_file",
            subject_id=site_id,
            details={"invited": str(len(guests)), "refused": str(len(problems))},
        )
        page = _page(
            request,
            viewer,
            session,
            site_id,
            "pending",
            imported={"error": "", "count": len(guests), "problems": problems},
        )
    wake_mailer(request)
    return page


def _mailer(request: Request) -> InvitationMailer | None:
    """The app's invitation mailer; None when head office has no mail server set."""
    return getattr(request.app.state, "mailer", None)


def message_channels(request: Request) -> tuple[bool, bool]:
    """Whether head office sends mail, and text messages."""
    mailer = _mailer(request)
    return (
        mailer is not None and mailer.sender is not None,
        mailer is not None and mailer.sms is not None,
    )


def _queue(request: Request, session, inv: Invitation, email: str, phone: str, lang: str) -> None:
    """The guest's messages about ``inv``: a mail to ``email``, a text to ``phone``, each
    where head office has the means."""
    mail_on, sms_on = message_channels(request)
    if email and mail_on:
        queue_invitation_mail(session, inv, address=email, language=lang, now=now())
    if phone and sms_on:
        try:
            number = parse_phone(phone).normalised  # as the gateway wants it, spaces gone
        except ValidationError:
            return  # kept on the invitation as typed; no text to a number that is not one
        queue_invitation_mail(session, inv, address=number, language=lang, now=now(), channel="sms")


def wake_mailer(request: Request) -> None:
    """Committed messages go out now rather than at the mailer's next look."""
    mailer = _mailer(request)
    if mailer is not None:
        mailer.wake()


def _lang(request: Request, chosen: str) -> str:
    """The guest's language as chosen, else the page's."""
    return chosen if chosen in LANGUAGES else language(request)


def day_bounds(day: str, zone: str) -> tuple[datetime | None, datetime | None]:
    """The whole of ``day`` at the site (its own midnight to midnight), or open (no day)."""
    if not day:
        return None, None
    start = datetime.combine(date.fromisoformat(day), time(0), tzinfo=ZoneInfo(zone))
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


@router.post("/invitations/{invitation_id}/cancel")
def cancel(invitation_id: PathId, viewer: PostingViewer, session: SessionDep) -> Response:
    with session.begin():
        inv = session.get(Invitation, invitation_id)
        if inv is None:
            raise PageMissing(viewer)
        require(viewer, "invite", inv.site_id)
        with suppress(ConflictError):  # used meanwhile: the list shows it as used
            cancel_invitation_record(session, inv)
        audit.by(
            session,
            viewer,
            "dashboard.invitation_cancelled",
            site_id=inv.site_id,
            subject_kind="invitation",
            subject_id=inv.id,
        )
        site = inv.site_id
    return RedirectResponse(f"{PREFIX}/invitations?site={site}", status_code=303)

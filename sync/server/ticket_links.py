"""Department links on the head-office server: a department opens the link in its message
and acknowledges, posts progress or resolves the ticket, without logging in.

``GET /ticket/<token>`` shows the ticket (number, kind, subject, details: what the department
must do, never the client's name or contact) and the steps open to it now, as a bilingual
form; ``POST`` records one step. GET records nothing (mail scanners open every link). The form
carries the entry the page showed (``seen``): a second POST of the same page (a double tap,
the link used twice) finds the ticket moved on and gets the "already recorded" page with the
status now; once the ticket is resolved every use gets the "resolved" page. A recorded step is
a ``ticket.updated`` entry (``by`` = ``department:<id>``) written by ``ticket_steps.record_step``
(as the dashboard's changes are): folded here, fed to every kiosk of the site, which apply it
(``kiosk/core/tickets/pulled.py``), and an entry in the site's head-office audit chain (who,
which step, which ticket; never the note), in the same transaction.

Keys: the site's reply-link key, as for host reply links (``replies.py``). Must never: show
the client's personal data; record anything on GET.
"""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from kiosk.core.config.errors import DeniedError, ValidationError
from kiosk.core.config.i18n import translate
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.tickets import text
from kiosk.core.tickets.links import TICKET_PATH, TicketLink, peek_key, verify
from kiosk.core.tickets.model import DONE, Ticket

from .api.deps import SessionDep
from .keys import verifying_key
from .replies import _clock
from .ticket_steps import record_step
from .tickets import TicketRow, ticket_of

log = logging.getLogger(__name__)

router = APIRouter(tags=["tickets"])
#: what a department may do through its link, by the ticket's status
STEPS = {"assigned": ("acknowledged",), "in_progress": ("progress", "resolved")}
_BUTTON = {
    "acknowledged": "ticket.page.acknowledge",
    "progress": "ticket.page.progress",
    "resolved": "ticket.page.resolve",
}
_MAX_FORM = 40_000


def _both(key: str, **params: Any) -> tuple[str, str]:
    return translate(key, "zh_CN", **params), translate(key, "en", **params)


def _page(body: str, *, code: int, form: str = "", **params: Any) -> HTMLResponse:
    e = html.escape
    zh_title, en_title = _both("ticket.page.title")
    zh, en = _both(body, **params)
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(zh_title)} · {e(en_title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}button{font-size:1.1rem;padding:.7rem 1.2rem;margin:"
        ".3rem .3rem 0 0;border-radius:.5rem;border:0;background:#1565c0;color:#fff}"
        "textarea{width:100%;min-height:6rem}.en{color:#555}pre{white-space:pre-wrap}</style>"
        f"</head><body><h1>{e(zh_title)}<br><span class=en>{e(en_title)}</span></h1>"
        f'<p id="message">{e(zh)}<br><span class=en>{e(en)}</span></p>{form}</body></html>'
    )
    return HTMLResponse(page, status_code=code, headers={"Cache-Control": "no-store"})


def _status(ticket: Ticket) -> dict[str, str]:
    zh, en = _both(f"ticket.status.{ticket.status}")
    return {"status": f"{zh} / {en}"}


def _check(request: Request, session: Session, token: str) -> TicketLink:
    site_id, version = peek_key(token)
    found = verifying_key(session, site_id, KeyPurpose.REPLY_LINK, version) if site_id else None
    if found is None:
        raise DeniedError("no such key here", key="ticket.page.invalid")
    key, honoured_until = found
    link = verify(key, token, now=_clock(request).now())
    if honoured_until is not None and link.expires > honoured_until.timestamp():
        raise DeniedError("link of a retired key outlives it", key="ticket.page.expired")
    return link


def _refusal(e: DeniedError) -> HTMLResponse:
    expired = e.message_key == "ticket.page.expired"
    return _page(
        e.message_key if expired else "ticket.page.invalid",
        code=status.HTTP_410_GONE if expired else status.HTTP_400_BAD_REQUEST,
    )


def _load(session: Session, link: TicketLink, *, lock: bool) -> tuple[TicketRow, Ticket] | None:
    row = session.get(TicketRow, link.ticket_id, with_for_update=lock)
    if row is None or row.site_id != link.site_id:
        return None
    return row, ticket_of(session, row)


def _form(request: Request, ticket: Ticket) -> str:
    e = html.escape
    buttons = "".join(
        f'<button type="submit" name="action" value="{a}">{"<br>".join(map(e, _both(_BUTTON[a])))}'
        "</button>"
        for a in STEPS.get(ticket.status, ())
    )
    note = ""
    if ticket.status == "in_progress":
        zh, en = _both("ticket.page.note")
        note = (
            f'<label>{e(zh)} / {e(en)}<textarea name="note" maxlength="10000"></textarea></label>'
        )
    details = f"<pre>{e(ticket.details)}</pre>" if ticket.details else ""
    return (
        f'{details}<form method=post action="{e(request.url.path)}">'
        f'<input type=hidden name=seen value="{e(ticket.last_entry_id)}">{note}{buttons}</form>'
    )


def show(request: Request, session: Session, token: str) -> HTMLResponse:
    try:
        with session.begin():
            link = _check(request, session, token)
            loaded = _load(session, link, lock=False)
    except DeniedError as e:
        return _refusal(e)
    if loaded is None:
        return _page("ticket.page.not_found", code=status.HTTP_404_NOT_FOUND)
    ticket = loaded[1]
    if ticket.status in DONE:
        return _page("ticket.page.resolved", code=status.HTTP_410_GONE)
    if ticket.department_id != link.department_id or ticket.status not in STEPS:
        return _page("ticket.page.invalid", code=status.HTTP_400_BAD_REQUEST)
    zh_kind, en_kind = _both(f"ticket.kind.{ticket.kind}")
    return _page(
        "ticket.page.explain",
        code=status.HTTP_200_OK,
        form=_form(request, ticket),
        number=ticket.number,
        kind=f"{zh_kind} / {en_kind}",
        subject=ticket.subject,
    )


def record(request: Request, session: Session, token: str, form: dict[str, str]) -> HTMLResponse:
    action, seen = form.get("action", ""), form.get("seen", "")
    try:
        note = text.block(form.get("note", ""), field="note")
    except ValidationError:
        return _page("ticket.page.note_required", code=status.HTTP_400_BAD_REQUEST)
    try:
        with session.begin():
            link = _check(request, session, token)
            loaded = _load(session, link, lock=True)
            if loaded is None:
                return _page("ticket.page.not_found", code=status.HTTP_404_NOT_FOUND)
            row, ticket = loaded
            if ticket.status in DONE:
                return _page("ticket.page.resolved", code=status.HTTP_410_GONE)
            if ticket.department_id != link.department_id:
                return _page("ticket.page.invalid", code=status.HTTP_400_BAD_REQUEST)
            if seen != ticket.last_entry_id or action not in STEPS.get(ticket.status, ()):
                return _page("ticket.page.used", code=status.HTTP_409_CONFLICT, **_status(ticket))
            if action in ("progress", "resolved") and not note:
                return _page("ticket.page.note_required", code=status.HTTP_400_BAD_REQUEST)
            record_step(
                session,
                row,
                ticket,
                action=action,
                by=f"department:{link.department_id}",
                at=_clock(request).now(),
                seen=seen,
                note=note,
            )
    except DeniedError as e:
        return _refusal(e)
    log.info("ticket %s: %s by department %s", ticket.id, action, link.department_id)
    return _page("ticket.page.done", code=status.HTTP_200_OK)


@router.get(TICKET_PATH + "{token}", response_class=HTMLResponse)
def ticket_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The ticket and the steps open to the department (records nothing)."""
    return show(request, session, token)


@router.post(TICKET_PATH + "{token}", response_class=HTMLResponse)
async def ticket_step(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Record one step from the page's form (``application/x-www-form-urlencoded``)."""
    body = await request.body()
    if len(body) > _MAX_FORM:
        return _page("ticket.page.note_required", code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    parsed = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    form = {k: v[0] for k, v in parsed.items() if v}
    return await run_in_threadpool(record, request, session, token, form)

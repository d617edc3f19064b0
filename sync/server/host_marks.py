"""The hosts' roll-call page on the head-office server: during an emergency a host opens the
link in their message (``kiosk.core.emergency.host_notice``) and marks their own visitors
accounted for or missing from their phone, without logging in.

``GET /rollcall/<token>`` lists the host's visitors on the roll call (the site's visits open
when the incident started, from head office's own visit records: ``incident_review``), each
with its mark and two buttons, as a small bilingual page; ``POST`` records one mark. A mark is
an ``emergency.marked`` entry made at head office (``by`` = ``host:<id>``,
``incidents.mark``), kept in the incident record and fed to every kiosk of the site, which
shows it on its roll call (``kiosk/core/emergency/pulled.py``). GET records nothing.

Checked before any work: the token (the site's reply-link key, as for reply links; a roll-call
token only), the incident still under way, the form's type (urlencoded) and size (at most
``MAX_FORM`` bytes), exactly one person of this host's and a known status; anything else gets a
translated page and marks nothing. Failed token checks are slowed per address
(``attempts.FailureLimiter``, 429). Must never: show another host's visitors; record on GET.
"""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from kiosk.core.config.errors import DeniedError
from kiosk.core.config.i18n import translate
from kiosk.core.emergency import host_links
from kiosk.core.emergency.roster import Person
from kiosk.core.emergency.timeline import Incident, find
from kiosk.core.keys.hierarchy import KeyPurpose

from . import incidents
from .api.deps import SessionDep
from .attempts import FailureLimiter, address
from .incident_review import on_site_at_start
from .keys import verifying_key
from .replies import _clock

log = logging.getLogger(__name__)

router = APIRouter(tags=["emergency"])
MAX_FORM = 1024
STATUSES = ("accounted", "missing")
#: failed roll-call token checks, per address
LINKS = FailureLimiter("roll-call link checks")


def _both(key: str, **params: Any) -> tuple[str, str]:
    return translate(key, "zh_CN", **params), translate(key, "en", **params)


def _page(body: str, *, code: int, form: str = "", **params: Any) -> HTMLResponse:
    e = html.escape
    zh_title, en_title = _both("emergency.host.title")
    zh, en = _both(body, **params)
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(zh_title)} · {e(en_title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:1rem auto;"
        "padding:0 1rem;line-height:1.5}li{list-style:none;border-top:1px solid #ccc;"
        "padding:.6rem 0}ul{padding:0}button{font-size:1.05rem;padding:.6rem 1rem;margin:"
        ".3rem .3rem 0 0;border-radius:.5rem;border:0;color:#fff;background:#2e7d32}"
        "button.missing{background:#c62828}.en{color:#555}.status{font-weight:bold}</style>"
        f"</head><body><h1>{e(zh_title)}<br><span class=en>{e(en_title)}</span></h1>"
        f'<p id="message">{e(zh)}<br><span class=en>{e(en)}</span></p>{form}</body></html>'
    )
    return HTMLResponse(page, status_code=code, headers={"Cache-Control": "no-store"})


def _check(request: Request, session: Session, token: str) -> host_links.HostLink:
    try:
        LINKS.check(address(request))
    except HTTPException:
        raise DeniedError("too many failed roll-call links", key="emergency.host.slow") from None
    try:
        site_id, version = host_links.peek_key(token)
        found = verifying_key(session, site_id, KeyPurpose.REPLY_LINK, version)
        if found is None:
            raise DeniedError("no such key here", key=host_links.INVALID)
        key, honoured_until = found
        link = host_links.verify(key, token, now=_clock(request).now())
        if honoured_until is not None and link.expires > honoured_until.timestamp():
            raise DeniedError("link of a retired key outlives it", key=host_links.EXPIRED)
    except DeniedError:
        LINKS.failed(address(request))
        raise
    return link


def _refusal(e: DeniedError) -> HTMLResponse:
    codes = {host_links.EXPIRED: 410, "emergency.host.slow": 429}
    key = e.message_key if e.message_key in codes else host_links.INVALID
    return _page(key, code=codes.get(key, status.HTTP_400_BAD_REQUEST))


def _load(session: Session, link: host_links.HostLink) -> tuple[Incident, list[Person]] | None:
    incident = find(incidents.incidents(session, site_id=link.site_id), link.incident_id)
    if incident is None:
        return None
    people, _ = on_site_at_start(
        session, site_id=link.site_id, incident=incident, host_id=link.host_id
    )
    return incident, people


def _list(request: Request, incident: Incident, people: list[Person]) -> str:
    e = html.escape
    action = e(request.url.path)
    items = []
    for p in people:
        mark = incident.marks.get(p.person_id)
        state = mark.status if mark else ("left" if p.left else "unknown")
        zh, en = _both(f"emergency.host.status_{state}")
        buttons = "".join(
            f"<button type=submit name=status value={s} class={s}>"
            f"{'<br>'.join(map(e, _both(f'emergency.host.mark_{s}')))}</button>"
            for s in STATUSES
        )
        company = f" · {e(p.company)}" if p.company else ""
        items.append(
            f'<li data-person="{e(p.person_id)}"><strong>{e(p.name)}</strong>{company}<br>'
            f"<span class=status>{e(zh)} / {e(en)}</span>"
            f'<form method=post action="{action}"><input type=hidden name=person '
            f'value="{e(p.person_id)}">{buttons}</form></li>'
        )
    return f"<ul>{''.join(items)}</ul>"


def show(request: Request, session: Session, token: str, *, done: str = "") -> HTMLResponse:
    try:
        with session.begin():
            link = _check(request, session, token)
            loaded = _load(session, link)
    except DeniedError as e:
        return _refusal(e)
    if loaded is None:
        return _page("emergency.host.not_yet", code=status.HTTP_404_NOT_FOUND)
    incident, people = loaded
    if not incident.active:
        return _page("emergency.host.ended", code=status.HTTP_410_GONE)
    body = done or ("emergency.host.explain" if people else "emergency.host.nobody")
    return _page(body, code=status.HTTP_200_OK, form=_list(request, incident, people))


def record(request: Request, session: Session, token: str, form: dict[str, str]) -> HTMLResponse:
    person, mark = form.get("person", ""), form.get("status", "")
    try:
        with session.begin():
            link = _check(request, session, token)
            loaded = _load(session, link)
            if loaded is None:
                return _page("emergency.host.not_yet", code=status.HTTP_404_NOT_FOUND)
            incident, people = loaded
            if not incident.active:
                return _page("emergency.host.ended", code=status.HTTP_410_GONE)
            if mark not in STATUSES or person not in {p.person_id for p in people}:
                return _page("emergency.host.bad_form", code=status.HTTP_400_BAD_REQUEST)
            incidents.mark(
                session,
                site_id=link.site_id,
                person_id=person,
                status=mark,
                by=f"host:{link.host_id}",
            )
    except DeniedError as e:
        return _refusal(e)
    log.info("incident %s: %s marked %s by host %s", incident.id, person, mark, link.host_id)
    return show(request, session, token, done="emergency.host.done")


@router.get(host_links.ROLLCALL_PATH + "{token}", response_class=HTMLResponse)
def host_roll_call(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The host's visitors on the roll call, with their marks (records nothing)."""
    return show(request, session, token)


@router.post(host_links.ROLLCALL_PATH + "{token}", response_class=HTMLResponse)
async def host_mark(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Record one mark from the page's form (``application/x-www-form-urlencoded``)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return _page("emergency.host.bad_form", code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
    length = request.headers.get("content-length") or "0"
    if not length.isdigit() or int(length) > MAX_FORM:
        return _page("emergency.host.bad_form", code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    body = await request.body()
    if len(body) > MAX_FORM:
        return _page("emergency.host.bad_form", code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    try:
        parsed = parse_qs(body.decode("utf-8"), max_num_fields=4, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return _page("emergency.host.bad_form", code=status.HTTP_400_BAD_REQUEST)
    if set(parsed) != {"person", "status"} or any(len(v) != 1 for v in parsed.values()):
        return _page("emergency.host.bad_form", code=status.HTTP_400_BAD_REQUEST)
    form = {k: v[0] for k, v in parsed.items()}
    return await run_in_threadpool(record, request, session, token, form)

"""Reply links on the head-office server: a host taps "I'm coming" / "Please wait" in a message.

``GET /reply/<token>`` shows a small bilingual page with one confirm button; ``POST`` records
the reply. The extra tap is on purpose: mail security scanners (Outlook Safe Links and the
like) open every link in a message, and a GET that recorded a reply would answer for the host.

A reply is recorded once per message: both links of a message share a reply id, and
``host_replies`` has a unique key on (site, reply id), so the first tap wins even with several
server processes; a second tap, an expired link or a forged one gets a clear page, never an
error trace. A recorded reply is appended to the site's pull feed as ``host.replied``, which
the kiosk applies (``kiosk.core.notify.worker.host_replied_change``) so the visitor's done
screen shows "on the way".

Keys: each site's reply-link key is derived from head office's master secret (``keys.py``); a
kiosk fetches its own site's key with ``GET /sync/keys``. A link names its key's version; one
signed before a rotation still verifies until it could have expired. Without a master secret
(``kiosk-server migrate`` not run) every link gets the "invalid" page.

The ``host_replies`` table is created by migration 0002 (``migrations/versions``); its model
lives here, next to the only code that uses it.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse
from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.core.config.clock import Clock, SystemClock
from kiosk.core.config.errors import DeniedError
from kiosk.core.config.i18n import translate
from kiosk.core.events import HostReplied
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.notify.reply_links import REPLY_PATH, ReplyToken, peek_key, verify

from .api.deps import SessionDep
from .changes import UnknownSiteError, append_change
from .keys import verifying_key
from .models import Base

log = logging.getLogger(__name__)

router = APIRouter(tags=["replies"])


class HostReply(Base):
    """One recorded reply; (site_id, reply_id) is unique: a message is answered once."""

    __tablename__ = "host_replies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64))
    reply_id: Mapped[str] = mapped_column(String(64))
    visit_id: Mapped[str] = mapped_column(String(64))
    reply: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    recipient: Mapped[str] = mapped_column(String(80), default="")
    replied_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("site_id", "reply_id", name="host_replies_site_reply"),)


def _clock(request: Request) -> Clock:
    return getattr(request.app.state, "clock", None) or SystemClock()


# -- pages ---------------------------------------------------------------------------------
def _both(key: str, **params: Any) -> tuple[str, str]:
    return translate(key, "zh_CN", **params), translate(key, "en", **params)


def _page(body_key: str, *, code: int, form: str = "", **params: Any) -> HTMLResponse:
    zh_title, en_title = _both("notify.page.title")
    zh, en = _both(body_key, **params)
    e = html.escape
    text = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(zh_title)} · {e(en_title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}button{font-size:1.2rem;padding:.8rem 1.4rem;"
        "border-radius:.5rem;border:0;background:#1565c0;color:#fff}"
        ".en{color:#555}</style></head><body>"
        f"<h1>{e(zh_title)}<br><span class=en>{e(en_title)}</span></h1>"
        f'<p id="message">{e(zh)}<br><span class=en>{e(en)}</span></p>'
        f"{form}</body></html>"
    )
    return HTMLResponse(text, status_code=code, headers={"Cache-Control": "no-store"})


def _refusal(e: DeniedError) -> HTMLResponse:
    expired = e.message_key == "notify.page.expired"
    return _page(
        "notify.page.expired" if expired else "notify.page.invalid",
        code=status.HTTP_410_GONE if expired else status.HTTP_400_BAD_REQUEST,
    )


def _check(request: Request, session: Session, token: str) -> ReplyToken:
    """The verified token; ``DeniedError`` for forged, malformed or expired ones (a link of
    a retired key version counts as expired once the rotation's grace is over)."""
    site_id, version = peek_key(token)
    with session.begin():
        found = verifying_key(session, site_id, KeyPurpose.REPLY_LINK, version) if site_id else None
    if found is None:
        raise DeniedError("no such reply key here", key="notify.page.invalid")
    key, honoured_until = found
    parsed = verify(key, token, now=_clock(request).now())
    if honoured_until is not None and parsed.expires > honoured_until.timestamp():
        raise DeniedError("reply token of a retired key outlives it", key="notify.page.expired")
    return parsed


def _answered(session: Session, parsed: ReplyToken) -> bool:
    return (
        session.scalar(
            select(HostReply.id).where(
                HostReply.site_id == parsed.site_id, HostReply.reply_id == parsed.reply_id
            )
        )
        is not None
    )


@router.get(REPLY_PATH + "{token}", response_class=HTMLResponse)
def reply_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The confirm page (records nothing: link scanners open every link)."""
    try:
        parsed = _check(request, session, token)
    except DeniedError as e:
        return _refusal(e)
    if _answered(session, parsed):
        return _page("notify.page.used", code=status.HTTP_409_CONFLICT)
    label_key = (
        "notify.page.confirm_coming" if parsed.reply == "coming" else "notify.page.confirm_wait"
    )
    zh, en = _both(label_key, minutes=parsed.minutes)
    form = (
        f'<form method="post" action="{html.escape(request.url.path)}">'
        f'<button type="submit">{html.escape(zh)}<br>{html.escape(en)}</button></form>'
    )
    return _page("notify.page.explain", code=status.HTTP_200_OK, form=form)


@router.post(REPLY_PATH + "{token}", response_class=HTMLResponse)
def record_reply(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Record the reply once and tell the site's kiosks through the pull feed."""
    try:
        parsed = _check(request, session, token)
    except DeniedError as e:
        return _refusal(e)
    now = _clock(request).now()
    try:
        with session.begin():
            session.add(
                HostReply(
                    site_id=parsed.site_id,
                    reply_id=parsed.reply_id,
                    visit_id=parsed.visit_id,
                    reply=parsed.reply,
                    minutes=parsed.minutes,
                    recipient=parsed.recipient,
                    replied_at=now,
                )
            )
            session.flush()  # the unique key decides here, before the feed is touched
            append_change(
                session,
                site_id=parsed.site_id,
                change=HostReplied(
                    site_id=parsed.site_id,
                    visit_id=parsed.visit_id,
                    reply_id=parsed.reply_id,
                    reply="coming" if parsed.reply == "coming" else "wait",
                    minutes=parsed.minutes,
                    recipient=parsed.recipient,
                    replied_at=now,
                ),
            )
    except IntegrityError:
        return _page("notify.page.used", code=status.HTTP_409_CONFLICT)
    except UnknownSiteError:
        log.warning("reply for unknown site %s", parsed.site_id)
        return _page("notify.page.invalid", code=status.HTTP_400_BAD_REQUEST)
    log.info("visit %s: reply %s recorded", parsed.visit_id, parsed.reply)
    return _page("notify.page.done", code=status.HTTP_200_OK)

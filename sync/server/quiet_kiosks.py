"""Quiet kiosks alerted: an enrolled kiosk head office has not heard from for ``quiet_after()``
(``$KIOSK_SERVER_QUIET_AFTER`` minutes, the limit the dashboard flags it by) gets one
``kiosk.quiet`` alert per quiet spell, cleared when it syncs again.

``check_quiet`` is one look, in the caller's transaction, with ``now`` given: a spell is the
time since the kiosk's last sync (or its enrollment), so the alert's id is derived from the
kiosk and that time (``spell_id``) and a second look, or a second server process, finds it
there instead of raising another; an operator who acknowledged it during the spell is not
asked again. An open ``kiosk.quiet`` alert whose kiosk has synced since it was raised (or was
revoked) is cleared: acknowledged by ``head-office:synced``. Nothing counts as quiet until this
process has watched for ``quiet_after`` itself (``watching_since``), so head office coming back
from its own downtime does not alert every kiosk that could not reach it.

``QuietKioskWatch`` runs it every ``CHECK_EVERY`` seconds: a ``kiosk.core.workers.Worker`` (the
project's one loop) started with the app beside the invitation mailer (``watch_lifespan``).
After the round's transaction, each new alert goes to the site's alert channels, the apprise
URLs of ``alerts.channels`` in the site's settings document (``PUT
/api/v1/sites/<site>/settings``), through the kiosk's notifier boundary, one attempt each (a
failure is logged; the alert stays on the dashboard's alerts page either way).

Must never: hold the transaction open while sending, or raise a second alert for one spell.
"""

from __future__ import annotations

import hashlib
import html
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import FastAPI
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.core.config.clock import Clock, SystemClock, iso
from kiosk.core.config.errors import NotifyError
from kiosk.core.config.i18n import LOCALE_DIR, translate
from kiosk.core.notify.channels import AppriseNotifier, Message, Notifier, redact_url
from kiosk.core.workers.worker import Worker

from .changes import SERVER_HLC
from .dashboard.queries import quiet_after
from .models import Alert, Kiosk, Site
from .server_alerts import raise_server_alert

log = logging.getLogger(__name__)

QUIET_KIND = "kiosk.quiet"
#: who clears an alert whose kiosk synced again (the alerts page says so)
CLEARED_BY = "head-office:synced"
#: seconds (on the worker's clock) between two looks
CHECK_EVERY = 60.0
#: seconds a channel has to take one message
SEND_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class QuietKiosk:
    """One alert raised by a look: what its message says."""

    alert_id: str
    site_id: str
    kiosk_id: str
    kiosk_name: str
    since: datetime
    minutes: int


@dataclass(frozen=True, slots=True)
class QuietRound:
    raised: list[QuietKiosk] = field(default_factory=list)
    cleared: int = 0


def _aware(value: datetime) -> datetime:
    """SQLite hands times back without their zone; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def spell_id(kiosk_id: str, since: datetime) -> str:
    """The one alert id of a kiosk's quiet spell that began at ``since``."""
    digest = hashlib.sha256(f"{kiosk_id}|{iso(_aware(since))}".encode()).hexdigest()
    return f"quiet-{digest[:40]}"


def check_quiet(
    session: Session,
    *,
    now: datetime,
    after: timedelta,
    watching_since: datetime | None = None,
) -> QuietRound:
    """Raise the alerts of kiosks quiet for ``after`` and clear those of kiosks heard from
    again, in the session's transaction."""
    cleared = _clear(session, now)
    cutoff = now - after
    if watching_since is not None and watching_since > cutoff:
        return QuietRound(cleared=cleared)
    quiet = session.scalars(
        select(Kiosk).where(
            Kiosk.revoked_at.is_(None),
            Kiosk.enrolled_at.is_not(None),
            or_(
                Kiosk.last_seen_at < cutoff,
                Kiosk.last_seen_at.is_(None) & (Kiosk.enrolled_at < cutoff),
            ),
        )
    )
    raised = []
    for kiosk in list(quiet):
        seen = kiosk.last_seen_at or kiosk.enrolled_at
        assert seen is not None
        since = _aware(seen)
        alert_id = spell_id(kiosk.id, since)
        if session.get(Alert, alert_id) is not None:
            continue  # this spell's alert (open, or acknowledged by an operator)
        minutes = int((now - since).total_seconds() // 60)
        try:
            with session.begin_nested():
                raise_server_alert(
                    session,
                    site_id=kiosk.site_id,
                    kiosk_id=kiosk.id,
                    kind=QUIET_KIND,
                    details={"since": iso(since), "minutes": minutes},
                    alert_id=alert_id,
                    now=now,
                )
        except IntegrityError:
            continue  # another server process raised it first
        raised.append(QuietKiosk(alert_id, kiosk.site_id, kiosk.id, kiosk.name, since, minutes))
    return QuietRound(raised=raised, cleared=cleared)


def _clear(session: Session, now: datetime) -> int:
    rows = session.execute(
        select(Alert, Kiosk)
        .join(Kiosk, Kiosk.id == Alert.kiosk_id)
        .where(
            Alert.kind == QUIET_KIND,
            Alert.raised_at.is_not(None),
            Alert.acknowledged_at.is_(None),
        )
    ).all()
    cleared = 0
    for alert, kiosk in rows:
        assert alert.raised_at is not None
        heard = kiosk.last_seen_at is not None and _aware(kiosk.last_seen_at) >= _aware(
            alert.raised_at
        )
        if heard or kiosk.revoked_at is not None:
            alert.acknowledged_at = now
            alert.acknowledged_by = CLEARED_BY
            alert.acknowledged_kiosk_id = ""
            alert.ack_hlc = SERVER_HLC.tick()
            cleared += 1
    session.flush()
    return cleared


def site_channels(site: Site | None) -> list[str]:
    """The apprise URLs of the site's ``alerts.channels`` (none when unset or not a list)."""
    section = (site.settings or {}).get("alerts") if site is not None else None
    urls = section.get("channels") if isinstance(section, dict) else None
    return [u for u in urls if isinstance(u, str) and u] if isinstance(urls, list) else []


def message(site: Site | None, quiet: QuietKiosk) -> Message:
    """The alert in both languages (the site's clock for the time)."""
    zone = site.timezone if site is not None else "UTC"
    try:
        since = quiet.since.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    except (ZoneInfoNotFoundError, ValueError):
        since = quiet.since.strftime("%Y-%m-%d %H:%M UTC")
    kiosk = quiet.kiosk_name or quiet.kiosk_id
    parts = {}
    for lang in ("zh_CN", "en"):
        name = (site.name_zh if lang == "zh_CN" else site.name_en) if site else quiet.site_id
        params = {"kiosk": kiosk, "site": name, "since": since, "minutes": quiet.minutes}
        parts[lang] = (
            translate("dashboard.quiet_alert.subject", lang, LOCALE_DIR, **params),
            translate("dashboard.quiet_alert.body", lang, LOCALE_DIR, **params),
        )
    subject = f"{parts['zh_CN'][0]} / {parts['en'][0]}"
    bodies = [parts["zh_CN"][1], parts["en"][1]]
    page = "".join(f"<p>{html.escape(b)}</p>" for b in bodies)
    return Message(subject, "\n\n".join(bodies), page)


class QuietKioskWatch(Worker):
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        clock: Clock,
        notifier: Notifier,
        after: timedelta | None = None,
    ) -> None:
        super().__init__(name="quiet-kiosk-watch", clock=clock)
        self.sessions = sessions
        self.notifier = notifier
        self.after = after or quiet_after()
        self.watching_since = clock.now()
        self._next = self.watching_since

    def run_once(self) -> bool:
        now = self.clock.now()
        self._next = now + timedelta(seconds=CHECK_EVERY)
        with self.sessions() as s, s.begin():
            result = check_quiet(s, now=now, after=self.after, watching_since=self.watching_since)
            outgoing = []
            for quiet in result.raised:
                site = s.get(Site, quiet.site_id)
                outgoing.append((quiet, site_channels(site), message(site, quiet)))
        for quiet, urls, text in outgoing:
            for url in urls:
                try:
                    self.notifier.send(url, text, timeout=SEND_TIMEOUT)
                except NotifyError as e:
                    log.warning(
                        "quiet kiosk %s: %s refused: %s", quiet.kiosk_id, redact_url(url), e
                    )
        if result.raised or result.cleared:
            log.info("quiet kiosks: %d alerted, %d cleared", len(result.raised), result.cleared)
        return False

    def due_in(self) -> float | None:
        return max(0.0, (self._next - self.clock.now()).total_seconds())


@asynccontextmanager
async def watch_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The app's quiet-kiosk watch (``app.state.quiet_watch``) for as long as it serves."""
    watch = QuietKioskWatch(
        sessions=app.state.sessionmaker, clock=SystemClock(), notifier=AppriseNotifier()
    )
    watch.start()
    app.state.quiet_watch = watch
    try:
        yield
    finally:
        watch.stop()

"""How old the kiosk's copy of head office's watchlist is, and what follows from its age.

The sync worker stores when its last successful pull finished (``kv`` ``sync.last_pull_at``,
in the pull's own transaction, so it survives a restart). From that time:

- the top bar shows "watchlist as of …" once it is older than ``head_office.stale_after_minutes``
  (``watchlist_line``, a pure function);
- the sync worker raises one ``watchlist_stale`` alert per stale period (``alert_if_stale``):
  a period ends with the next successful pull;
- once it is older than ``head_office.hold_after_minutes`` (0: never), check-in marks new
  visits held, the state a watchlist match gets, for the desk to decide (``hold_check_ins``).

A kiosk that has never pulled (stand-alone, or enrolled and not yet reached) has no time
stored and is never stale: its watchlist is not head office's to begin with.

Must never: open a transaction of its own for a write other than the alert, or import Kivy.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from kiosk.core.alerts import raise_alert
from kiosk.core.config.clock import iso, parse_iso, site_time
from kiosk.core.config.i18n import translate
from kiosk.core.config.settings import HeadOfficeSettings
from kiosk.core.store.database import Store, Transaction

#: when the last successful pull finished (ISO, UTC)
LAST_PULL_KEY = "sync.last_pull_at"
#: the last pull time a stale alert was raised for (one alert per stale period)
ALERTED_KEY = "sync.stale_alerted_for"
ALERT_KIND = "watchlist_stale"
#: the alert a check-in held for a stale watchlist raises (with the visit)
HELD_ALERT_KIND = "watchlist_stale_hold"


def record_pull(store: Store, tx: Transaction, at: datetime) -> None:
    """Note a successful pull in the pull's own transaction."""
    store.set_value(LAST_PULL_KEY, iso(at), tx)


def last_pull(store: Store) -> datetime | None:
    """When the last successful pull finished; None when this kiosk never pulled."""
    value = store.get_value(LAST_PULL_KEY)
    return parse_iso(value) if value else None


def _older_than(last: datetime | None, now: datetime, minutes: float) -> bool:
    return last is not None and minutes > 0 and now - last > timedelta(minutes=minutes)


def is_stale(last: datetime | None, now: datetime, settings: HeadOfficeSettings) -> bool:
    """Whether a watchlist pulled at ``last`` is older than the configured limit."""
    return _older_than(last, now, settings.stale_after_minutes)


def hold_check_ins(store: Store, now: datetime, settings: HeadOfficeSettings) -> bool:
    """Whether a new check-in is to be held: the watchlist is older than the hold limit."""
    if settings.hold_after_minutes <= 0:
        return False
    return _older_than(last_pull(store), now, settings.hold_after_minutes)


def watchlist_line(
    last: datetime | None,
    now: datetime,
    settings: HeadOfficeSettings,
    *,
    lang: str,
    zone: tzinfo,
) -> str:
    """The top bar's "watchlist as of …" text, "" while the watchlist is fresh enough.

    Same day: the time only; an older pull shows its date too."""
    if last is None or not is_stale(last, now, settings):
        return ""
    local, today = last.astimezone(zone), now.astimezone(zone)
    shown = local.strftime("%H:%M" if local.date() == today.date() else "%m-%d %H:%M")
    return translate("shell.watchlist_as_of", lang, since=shown)


def alert_if_stale(
    store: Store,
    now: datetime,
    settings: HeadOfficeSettings,
    *,
    site_id: str,
    kiosk_id: str,
    timezone: str = "",
) -> bool:
    """Raise the ``watchlist_stale`` alert once per stale period; True when it raised it."""
    last = last_pull(store)
    if last is None or not is_stale(last, now, settings):
        return False
    if store.get_value(ALERTED_KEY) == iso(last):
        return False
    with store.transaction() as tx:
        raise_alert(
            tx,
            ALERT_KIND,
            severity="warning",
            message_key="alert.watchlist_stale",
            details={"last_pull_at": site_time(last, timezone).strftime("%m-%d %H:%M")},
            site_id=site_id,
            kiosk_id=kiosk_id,
        )
        store.set_value(ALERTED_KEY, iso(last), tx)
    return True

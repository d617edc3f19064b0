"""The names of those still to find, sent with emergency alerts to the desk's and security's
channels (``kiosk.core.notify.alert_routes``).

Three alerts carry them: ``emergency_started`` (everyone on the roll call), ``emergency_ended``
(whoever was never accounted for) and ``emergency_rollcall`` (after a printout, or when staff
ask from the console). The alert itself holds only counts: names never go into an alert's
details (those reach head office and stay in the alerts table). They are read from the roll
call when the alert is raised, outside any transaction and the mode's lock, and handed to the
alert router in memory, keyed by the alert's id, before the alert commits; the router adds
them to the message it writes for each channel (``lines_for``). After a restart between the
two (a second or so), the message says the names are on the kiosk's roll call instead.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from kiosk.core.alerts import Severity, raise_alert
from kiosk.core.config.i18n import LOCALE_DIR, translate
from kiosk.core.emergency.roster import Line
from kiosk.core.events import AlertRaised

if TYPE_CHECKING:
    from kiosk.core.emergency.service import EmergencyMode

NAME_ALERTS = frozenset({"emergency_started", "emergency_ended", "emergency_rollcall"})
#: the most names written into one message (a mail of 500 names is read; an SMS is cut anyway)
MAX_NAMES = 300
_KEPT = 64
_ORDER = {"missing": 0, "unknown": 1}


class ChannelNames:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: OrderedDict[str, tuple[Line, ...]] = OrderedDict()

    def raise_alert(
        self,
        mode: EmergencyMode,
        kind: str,
        *,
        severity: Severity,
        message_key: str,
        details: Mapping[str, str],
    ) -> int:
        """Raise ``kind`` with the roll call's counts; its names wait for the router. Returns
        how many are still to find."""
        call = mode.roll_call()
        lines = tuple(
            sorted(
                (x for x in call.lines if x.status in _ORDER),
                key=lambda x: (_ORDER[x.status], x.person.name),
            )
        )
        with mode.store.transaction() as tx:
            alert = raise_alert(
                tx,
                kind,
                severity=severity,
                message_key=message_key,
                details={**details, "people": str(len(call.lines)), "unaccounted": str(len(lines))},
                site_id=mode.site_id,
                kiosk_id=mode.kiosk_id,
            )
            with self._lock:  # before the commit: the notifier plans it only after that
                self._pending[alert.id] = lines
                while len(self._pending) > _KEPT:
                    self._pending.popitem(last=False)
        return len(lines)

    def lines_for(self, event: AlertRaised, lang: str) -> list[str]:
        """The lines to add to ``event``'s message in ``lang`` (none for other alerts)."""
        if event.alert not in NAME_ALERTS:
            return []
        with self._lock:
            lines = self._pending.get(event.alert_id)
        count = event.details.get("unaccounted", "")
        if lines is None:
            if count in ("", "0"):
                return []
            return [translate("alert_mail.names_on_console", lang, LOCALE_DIR, count=count)]
        if not lines:
            return [translate("alert_mail.everyone_accounted", lang, LOCALE_DIR)]
        out = [translate("alert_mail.unaccounted", lang, LOCALE_DIR, count=len(lines))]
        for line in lines[:MAX_NAMES]:
            p = line.person
            who = f"{p.name} ({p.company})" if p.company else p.name
            if p.kind == "staff":
                who += " · " + translate("emergency.rollcall.staff", lang, LOCALE_DIR)
            status = translate(f"emergency.status.{line.status}", lang, LOCALE_DIR)
            out.append("- " + " · ".join(x for x in (who, p.host, p.where, status) if x))
        if len(lines) > MAX_NAMES:
            more = len(lines) - MAX_NAMES
            out.append(translate("alert_mail.more_names", lang, LOCALE_DIR, count=more))
        return out

"""A visitor's "ask a person" on the Help screen: an alert for the desk, and what the visitor
is told back.

The request is a ``help_requested`` alert (``kiosk.core.alerts``): it shows on the console
and goes to the desk's channels, and while the desk is unattended to the backup contact too
(``kiosk/core/notify/alert_routes.py``). A second tap within ``REPEAT_SECONDS`` raises no
second alert (the desk was told). The answer says whether the desk is attended, who was told
instead, and when the desk is back.

Must never: show the visitor anything of the alert beyond that answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.core.alerts import raise_alert
from kiosk.core.config.clock import iso
from kiosk.core.reception.desk import desk_status
from kiosk.core.store.database import Store

KIND = "help_requested"
#: a visitor tapping again within this many seconds does not alert the desk twice
REPEAT_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class HelpAnswer:
    #: the desk is unattended: the backup contact was told
    unattended: bool
    #: who covers, as the console set it ("" while the desk is staffed)
    backup_contact: str = ""
    #: when the desk is back, if staff said
    return_at: datetime | None = None
    #: False when a request moments ago already told the desk
    raised: bool = True


def ask_for_help(store: Store, *, site_id: str, kiosk_id: str, kiosk_name: str = "") -> HelpAnswer:
    """Tell the desk (or its backup) a visitor asks for a person."""
    desk = desk_status(store)
    with store.transaction() as tx:
        since = tx.clock.now() - timedelta(seconds=REPEAT_SECONDS)
        recent = tx.execute(
            "SELECT 1 FROM alerts WHERE kind = ? AND acknowledged_at IS NULL AND raised_at >= ?",
            (KIND, iso(since)),
        ).fetchone()
        if recent is None:
            raise_alert(
                tx,
                KIND,
                severity="info",
                message_key="alert.help_requested",
                details={"kiosk": (kiosk_name or kiosk_id)[:500]},
                site_id=site_id,
                kiosk_id=kiosk_id,
            )
    return HelpAnswer(desk.unattended, desk.backup_contact, desk.return_at, recent is None)


def answer_key(answer: HelpAnswer) -> str:
    """The catalogue key of what the visitor reads after asking."""
    return "help.asked_backup" if answer.unattended else "help.asked"

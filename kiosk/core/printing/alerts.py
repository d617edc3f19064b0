"""The print queue's alerts for the desk: a badge that did not print (no labels, printer
offline, paused, unreachable, interrupted) and a badge that went to the fallback printer.

One alert per visit's failed badge while it is open (a retry that fails again adds none),
one ``print_fallback`` alert while one is open. Written in the caller's transaction, the one
that records the job's outcome, so the alert and the job state cannot disagree.

Must never: open a transaction or talk to a printer.
"""

from __future__ import annotations

from kiosk.core.alerts import raise_alert_once
from kiosk.core.store.database import Transaction

#: the printer's problem (``badge.printer.*``) → the alert's text
_CAUSES = ("stopped", "offline", "out_of_media", "unreachable", "interrupted")


def alert_key(error_key: str) -> str:
    suffix = error_key.removeprefix("badge.printer.")
    return f"alert.print.{suffix}" if suffix in _CAUSES else "alert.print.failed"


def badge_failed(
    tx: Transaction,
    *,
    visit_id: str,
    error_key: str,
    printer: str,
    retrying: bool,
    site_id: str,
    kiosk_id: str,
) -> None:
    raise_alert_once(
        tx,
        "print_failed",
        severity="warning",
        message_key=alert_key(error_key),
        details={
            "printer": printer[:500],
            "error_key": error_key[:500],
            "retrying": "yes" if retrying else "no",
        },
        visit_id=visit_id,
        site_id=site_id,
        kiosk_id=kiosk_id,
    )


def fallback_used(
    tx: Transaction, *, visit_id: str, printer: str, fallback: str, site_id: str, kiosk_id: str
) -> None:
    raise_alert_once(
        tx,
        "print_fallback",
        severity="warning",
        message_key="alert.print.fallback",
        details={"printer": printer[:500], "fallback": fallback[:500], "visit_id": visit_id},
        site_id=site_id,
        kiosk_id=kiosk_id,
    )

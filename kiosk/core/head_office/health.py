"""What a kiosk tells head office about itself: version, uptime, printer, disk, open alerts.

``KioskHealth.collect()`` reads them (one ``lpstat`` for a CUPS printer, a statvfs, a walk of
the data directory, two small queries) and returns the fields of the wire's health report
(``sync.protocol.KioskHealthIn``); the sync worker adds its own backlog and
sends it after a successful round, at most once per ``every`` seconds, so the cost stays on the
sync thread and off the UI thread.

Must never: put personal data into the report (counts, states and error keys only), or fail a
sync round because something here could not be read (that field is left at its default).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.core import alerts
from kiosk.core.config.clock import Clock, iso
from kiosk.core.config.errors import KioskError, NotFoundError
from kiosk.core.disk_space import disk_state
from kiosk.core.store.database import Store
from kiosk.core.version import installed_version

log = logging.getLogger(__name__)

MB = 1024 * 1024
#: seconds between two reports (a report costs head office one small write)
REPORT_EVERY = 60.0
#: the data directory walk stops counting after this many entries (badge files pile up)
MAX_WALK = 50_000
#: what the wire refuses in a text field (a CUPS message may hold line breaks)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LAST_PRINT = (
    "SELECT state, error_key, error FROM print_jobs WHERE state IN ('printed', 'failed') "
    "ORDER BY updated_at DESC LIMIT 1"
)


class KioskHealth:
    """Reads the kiosk's state for head office (``collect``), from the worker thread."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        data_dir: Path,
        printer: Callable[[], Any] | None = None,
        every: float = REPORT_EVERY,
    ) -> None:
        self.store = store
        self.clock = clock
        self.data_dir = Path(data_dir)
        #: the print queue's current printer (it can change with the settings), or None
        self.printer = printer
        self.every = every
        self.started_at: datetime = clock.now()
        self.version = installed_version()
        self._due: float | None = None
        self._refused = False

    def report_if_due(self, head_office: Any, backlog: int) -> None:
        """How the kiosk is doing, to head office after a good round, at most once every
        ``every`` seconds. Never fails the round: a head office too old for reports (404) is
        not asked again until the kiosk restarts; any other failure is logged and the next
        report is due as usual."""
        if self._refused:
            return
        now = self.clock.monotonic()
        if self._due is not None and now < self._due:
            return
        self._due = now + self.every
        try:
            report = {
                **self.collect(),
                "backlog": max(0, backlog),
                "sent_at": iso(self.clock.now()),
            }
            head_office.report_health(json.dumps(report).encode())
        except NotFoundError:
            self._refused = True
            log.info("head office takes no health reports (older than this kiosk)")
        except KioskError as e:
            log.warning("the health report did not reach head office: %s", e)
        except Exception:  # a bug here must not count as a failed round (the round was good)
            log.exception("the health report could not be made")

    def collect(self) -> dict[str, Any]:
        """The report's fields this module owns; a part that cannot be read is left out."""
        now = self.clock.now()
        report: dict[str, Any] = {
            "version": self.version[:40],
            "uptime_s": max(0, int((now - self.started_at).total_seconds())),
        }
        for part in (self._printer, self._disk, self._alerts):
            try:
                report.update(part())
            except (KioskError, OSError) as e:
                log.warning("kiosk health: %s could not be read: %s", part.__name__, e)
        return report

    def _printer(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        printer = self.printer() if self.printer else None
        if printer is not None:
            status = printer.status()
            out["printer"] = status.state
            if not status.ready:
                out["printer_problem"] = status.message_key
        last = self.store.query_one(_LAST_PRINT)
        if last is not None and last["state"] == "failed":
            text = last["error_key"] or last["error"] or ""
            out["last_print_error"] = _CONTROL.sub(" ", text)[:200]
        return out

    def _disk(self) -> dict[str, Any]:
        return {
            "disk_free_mb": disk_state(self.data_dir).free // MB,
            "data_mb": directory_size(self.data_dir) // MB,
        }

    def _alerts(self) -> dict[str, Any]:
        return {"open_alerts": alerts.open_count(self.store)}


def directory_size(path: Path, limit: int = MAX_WALK) -> int:
    """Bytes in the files under ``path`` (symlinks not followed; at most ``limit`` entries)."""
    total = 0
    seen = 0
    stack = [str(path)]
    while stack and seen < limit:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    seen += 1
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    return total

"""Low disk space on the kiosk: an alert while there is still room to write it.

SQLite fails a commit with "database or disk is full" once the filesystem is full, and a
check-in is a commit. So ``check_disk`` raises one ``disk_low`` alert (kiosk/core/alerts.py;
head office learns of it by sync) as soon as free space falls under the threshold, which is
set well above what an alert, a few check-ins and the WAL need, and raises it again only after
the receptionist acknowledged it and space is still low. ``DiskWatch`` runs the check every
minute on its own thread (statvfs and, rarely, one small transaction: never the UI thread).

Must never: delete anything to make room (what to delete is the operator's decision).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.alerts import Alert, Severity, raise_alert
from kiosk.core.config.errors import StorageError
from kiosk.core.store.database import Store

log = logging.getLogger(__name__)

KIND = "disk_low"
#: free space under which the alert is raised: 200 MB is thousands of check-ins and badges
MIN_FREE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class DiskState:
    path: str
    free: int
    total: int

    @property
    def free_mb(self) -> int:
        return self.free // (1024 * 1024)


def disk_state(path: Path) -> DiskState:
    usage = shutil.disk_usage(path)
    return DiskState(str(path), usage.free, usage.total)


def check_disk(
    store: Store,
    *,
    path: Path,
    site_id: str,
    kiosk_id: str,
    min_free: int = MIN_FREE_BYTES,
) -> Alert | None:
    """Raise ``disk_low`` if free space at ``path`` is under ``min_free`` and no such alert is
    open; returns the new alert, else None."""
    state = disk_state(path)
    if state.free >= min_free:
        return None
    open_one = store.query_one(
        "SELECT id FROM alerts WHERE kind = ? AND acknowledged_at IS NULL", (KIND,)
    )
    if open_one is not None:
        return None
    severity: Severity = "critical" if state.free < min_free // 4 else "warning"
    log.warning("disk nearly full at %s: %d MB free", path, state.free_mb)
    with store.transaction() as tx:
        return raise_alert(
            tx,
            KIND,
            severity=severity,
            message_key="alert.disk_low",
            details={
                "free_mb": str(state.free_mb),
                "total_mb": str(state.total // (1024 * 1024)),
                "path": state.path,
            },
            site_id=site_id,
            kiosk_id=kiosk_id,
        )


class DiskWatch:
    """``check_disk`` every ``interval`` seconds on a thread of its own (a service worker)."""

    def __init__(
        self,
        store: Store,
        *,
        path: Path,
        site_id: str,
        kiosk_id: str,
        min_free: int = MIN_FREE_BYTES,
        interval: float = 60.0,
    ) -> None:
        self.store, self.path, self.interval = store, path, interval
        self.site_id, self.kiosk_id, self.min_free = site_id, kiosk_id, min_free
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> Alert | None:
        try:
            return check_disk(
                self.store,
                path=self.path,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                min_free=self.min_free,
            )
        except (
            OSError,
            sqlite3.Error,
            StorageError,
        ) as e:  # the disk may be too full even for the alert
            log.error("disk check at %s failed: %s", self.path, e)
            return None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="disk-watch", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)

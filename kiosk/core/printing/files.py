"""The file backend: each badge as a PDF and a PNG in a folder (the demo's default)."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

from kiosk.core.badges.render import to_pdf, to_png
from kiosk.core.config.errors import PrinterError
from kiosk.core.printing.base import OFFLINE, JobRef, JobState, PrinterStatus, PrintJob

log = logging.getLogger(__name__)

#: what the file backend writes per badge (and leaves behind if it dies mid-write)
BADGE_SUFFIXES = (".png", ".pdf", ".part")


class FilePrinter:
    """Writes each badge as ``<job id>.pdf`` and ``<job id>.png`` into a folder."""

    def __init__(self, out_dir: Path | str) -> None:
        self.out_dir = Path(out_dir)
        self.name = f"file:{self.out_dir}"

    def status(self) -> PrinterStatus:
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            return PrinterStatus(False, "offline", OFFLINE, str(e))
        if not os.access(self.out_dir, os.W_OK):
            return PrinterStatus(False, "offline", OFFLINE, f"{self.out_dir} is not writable")
        return PrinterStatus(True, "idle")

    def print(self, job: PrintJob) -> JobRef:
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            for suffix, data in (
                (".png", to_png(job.image, job.template)),
                (".pdf", to_pdf(job.image, job.template)),
            ):
                final = self.out_dir / f"{job.job_id}{suffix}"
                tmp = final.with_suffix(suffix + ".part")
                tmp.write_bytes(data)
                tmp.replace(final)
        except OSError as e:
            raise PrinterError(
                f"cannot write the badge into {self.out_dir}: {e}", key=OFFLINE
            ) from e
        return JobRef(self.name, job.job_id)

    def job_state(self, ref: JobRef) -> JobState:
        done = (self.out_dir / f"{ref.ref}.pdf").exists()
        return JobState.COMPLETED if done else JobState.UNKNOWN


def delete_old_badges(out_dir: Path | str, *, now: datetime, keep_hours: float) -> int:
    """Delete the badge files in ``out_dir`` last written more than ``keep_hours`` before
    ``now`` (the injected clock's time); returns how many were deleted. Only the file
    backend's own files (``BADGE_SUFFIXES``) are touched; a file that cannot be deleted
    is logged and left for the next pass."""
    cutoff = now.timestamp() - keep_hours * 3600.0
    deleted = 0
    try:
        entries = list(os.scandir(out_dir))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if not entry.name.endswith(BADGE_SUFFIXES) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                deleted += 1
        except FileNotFoundError:
            continue
        except OSError as e:
            log.warning("cannot delete the old badge file %s: %s", entry.path, e)
    return deleted


def directory_size(path: Path | str) -> int:
    """Bytes in the files under ``path`` (symbolic links not followed; 0 if it is missing)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue  # deleted while we looked
    return total

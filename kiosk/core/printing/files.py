"""The file backend: each badge as a PDF and a PNG in a folder (the demo's default)."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.core.badges.render import to_pdf, to_png
from kiosk.core.config.errors import PrinterError
from kiosk.core.printing.base import OFFLINE, JobRef, JobState, PrinterStatus, PrintJob


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

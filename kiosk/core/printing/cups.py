"""The CUPS backend: any CUPS queue, driven through ``lp`` and ``lpstat``.

A badge shows the visitor's name, and CUPS keeps a printed job's document in its spool for a
day by default (``PreserveJobFiles``): ``forget`` purges a job the kiosk has seen come out
(``cancel -x``: its document and its control file), so the spool keeps nobody's badge.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import subprocess
import tempfile
import threading
from pathlib import Path

from kiosk.core.badges.render import to_pdf
from kiosk.core.config.errors import PrinterError
from kiosk.core.printing.base import (
    ERROR,
    OFFLINE,
    OUT_OF_MEDIA,
    STOPPED,
    UNREACHABLE,
    JobRef,
    JobState,
    PrinterStatus,
    PrintJob,
)

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"request id is (\S+)")
_MEDIA_REASONS = ("media-empty", "media-needed", "media-jam", "input-tray-missing")
_OFFLINE_REASONS = ("offline-report", "connecting-to-device", "timed-out", "shutdown")


class CupsPrinter:
    """A CUPS queue, driven through the command-line clients (``lp``, ``lpstat``).

    ``server`` is a CUPS server (host, host:port or a socket path); empty means the default
    (``$CUPS_SERVER`` or the local scheduler). ``media`` overrides the template's page size
    (``Custom.62x100mm``, ``om_w62h100`` …). ``options`` are extra ``lp -o`` options.
    """

    def __init__(
        self,
        queue: str,
        *,
        server: str = "",
        media: str = "",
        options: dict[str, str] | None = None,
        timeout: float = 10.0,
        spool_dir: Path | None = None,
    ) -> None:
        if not queue:
            raise ValueError("a CUPS printer needs a queue name")
        self.queue = queue
        self.name = f"cups:{queue}"
        self.server = server
        self.media = media
        self.options = dict(options or {})
        self.timeout = timeout
        self.spool_dir = spool_dir

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        if self.server:
            env["CUPS_SERVER"] = self.server
        env.setdefault("LANG", "C")
        env["LC_ALL"] = "C"
        try:
            return subprocess.run(
                args, env=env, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except FileNotFoundError as e:
            raise PrinterError(f"{args[0]} is not installed (cups-client)", key=ERROR) from e
        except subprocess.TimeoutExpired as e:
            raise PrinterError(f"{args[0]} timed out after {self.timeout}s", key=UNREACHABLE) from e

    def status(self) -> PrinterStatus:
        # one lpstat call (each costs a process): scheduler first, because without one
        # lpstat only says "invalid destination"
        result = self._run(["lpstat", "-r", "-l", "-p", self.queue, "-a", self.queue])
        if "scheduler is running" not in result.stdout:
            detail = (result.stdout + result.stderr).strip() or "no CUPS scheduler"
            return PrinterStatus(False, "unreachable", UNREACHABLE, detail)
        text = result.stdout.replace("scheduler is running", "", 1).strip()
        text = (text + "\n" + result.stderr).strip()
        if result.returncode != 0:
            lowered = text.lower()
            if "unable to connect" in lowered or "not running" in lowered or "bad file" in lowered:
                return PrinterStatus(False, "unreachable", UNREACHABLE, text)
            if "invalid destination" in lowered or "unknown" in lowered:
                return PrinterStatus(False, "offline", OFFLINE, text)
            return PrinterStatus(False, "unknown", ERROR, text)
        reasons: list[str] = []
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.lower().startswith("alerts:"):
                reasons.extend(r for r in stripped.split(":", 1)[1].split() if r != "none")
        first = text.splitlines()[0] if text else ""
        reasons_text = " ".join(reasons)
        if " disabled " in f" {first} " or "disabled since" in first:
            return PrinterStatus(False, "stopped", STOPPED, first, tuple(reasons))
        if "not accepting requests" in text:
            return PrinterStatus(False, "stopped", STOPPED, text, tuple(reasons))
        if any(r in reasons_text for r in _MEDIA_REASONS):
            return PrinterStatus(False, "out_of_media", OUT_OF_MEDIA, first, tuple(reasons))
        if any(r in reasons_text for r in _OFFLINE_REASONS):
            return PrinterStatus(False, "offline", OFFLINE, first, tuple(reasons))
        state = "printing" if " now printing " in f" {first} " else "idle"
        return PrinterStatus(True, state, "", first, tuple(reasons))

    def print(self, job: PrintJob) -> JobRef:
        # A stopped queue would accept the job and print it whenever someone restarts it,
        # possibly after the visitor was sent to reception: refuse instead, and let the queue
        # retry, so a badge comes out once, when we know about it.
        # lpstat runs while the PDF is being made: the two take about as long as each other.
        checked: list[PrinterStatus | BaseException] = []

        def check() -> None:
            try:
                checked.append(self.status())
            except BaseException as e:  # handed to the caller's thread below
                checked.append(e)

        checker = threading.Thread(target=check, name="cups-status", daemon=True)
        checker.start()
        pdf = to_pdf(job.image, job.template)
        checker.join()
        status = checked[0] if checked else PrinterStatus(False, "unknown", ERROR)
        if isinstance(status, BaseException):
            raise status
        if not status.ready:
            raise PrinterError(
                f"CUPS queue {self.queue} is {status.state}: {status.detail}",
                key=status.message_key or ERROR,
            )
        media = self.media or job.template.cups_media or _media_for(job)
        fd, path = tempfile.mkstemp(suffix=".pdf", prefix="badge-", dir=self.spool_dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
            args = ["lp", "-d", self.queue, "-t", job.title, "-o", f"media={media}"]
            for key, value in self.options.items():
                args += ["-o", f"{key}={value}"]
            result = self._run([*args, "--", path])
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
        match = _REQUEST_ID.search(result.stdout)
        if result.returncode != 0 or not match:
            detail = (result.stderr or result.stdout).strip()
            lowered = detail.lower()
            key = ERROR
            if "unable to connect" in lowered or "not running" in lowered:
                key = UNREACHABLE
            elif "not accepting" in lowered:
                key = STOPPED
            raise PrinterError(f"lp failed for queue {self.queue}: {detail}", key=key)
        return JobRef(self.name, match.group(1))

    def print_document(self, pdf: bytes, *, title: str, media: str) -> JobRef:
        """A ready document (the emergency roll call: a PDF, or PostScript) to the queue,
        refused like a badge when the queue is not ready (stopped, out of paper, offline): the
        caller tries another."""
        status = self.status()
        if not status.ready:
            raise PrinterError(
                f"CUPS queue {self.queue} is {status.state}: {status.detail}",
                key=status.message_key or ERROR,
            )
        suffix = ".ps" if pdf.startswith(b"%!") else ".pdf"
        fd, path = tempfile.mkstemp(suffix=suffix, prefix="document-", dir=self.spool_dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
            result = self._run(
                ["lp", "-d", self.queue, "-t", title, "-o", f"media={media}", "--", path]
            )
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
        match = _REQUEST_ID.search(result.stdout)
        if result.returncode != 0 or not match:
            detail = (result.stderr or result.stdout).strip()
            raise PrinterError(f"lp failed for queue {self.queue}: {detail}", key=ERROR)
        return JobRef(self.name, match.group(1))

    def job_state(self, ref: JobRef) -> JobState:
        pending = self._run(["lpstat", "-W", "not-completed", "-o", self.queue])
        if pending.returncode != 0:
            raise PrinterError(f"lpstat failed: {pending.stderr.strip()}", key=UNREACHABLE)
        if _lists_job(pending.stdout, ref.ref):
            return JobState.PENDING
        done = self._run(["lpstat", "-W", "completed", "-o", self.queue])
        if done.returncode != 0:
            raise PrinterError(f"lpstat failed: {done.stderr.strip()}", key=UNREACHABLE)
        if _lists_job(done.stdout, ref.ref):
            return JobState.COMPLETED
        return JobState.UNKNOWN

    def forget(self, ref: JobRef) -> bool:
        """Purge the queue's finished jobs from the spool once one has come out; False when
        it did not (a job still waiting, or CUPS refused: logged, and the scheduler's own
        ``PreserveJobFiles`` expires them).

        CUPS refuses to purge one completed job (``cancel -x JOB``: "already completed"), so
        the queue's history is purged (``cancel -a -x QUEUE``), and only while no job of the
        queue is waiting: the print queue submits and follows from one thread, so no badge of
        this kiosk is sent between the look and the purge."""
        pending = self._run(["lpstat", "-W", "not-completed", "-o", self.queue])
        if pending.returncode != 0 or pending.stdout.strip():
            return False
        result = self._run(["cancel", "-a", "-x", self.queue])
        if result.returncode != 0:
            log.warning("cups could not purge queue %s: %s", self.queue, result.stderr.strip())
            return False
        return True


def _lists_job(listing: str, job: str) -> bool:
    return any(line.split()[:1] == [job] for line in listing.splitlines())


def _media_for(job: PrintJob) -> str:
    width_mm, height_mm = job.template.page_mm
    if height_mm is None:
        height_mm = job.image.height * 25.4 / job.template.dpi
    return f"Custom.{width_mm:g}x{round(height_mm, 1):g}mm"

"""Printers: one small interface, several real backends and a fake.

    Printer (Protocol)
    ├── CupsPrinter       any CUPS queue, through ``lp``/``lpstat`` (page size via ``media``)
    ├── EscposPrinter     ESC/POS receipt printers over TCP (port 9100): ``GS v 0`` raster
    ├── BrotherQLPrinter  Brother QL label printers over TCP without a driver: QL raster
    ├── FilePrinter       PDF + PNG into a folder (the demo's default)
    └── FakePrinter       in memory, for unit tests

``print(job)`` hands a rendered badge to the printer and returns a ``JobRef`` once the printer
(or the CUPS spooler) has accepted it; ``job_state(ref)`` says whether it has come out;
``status()`` reads the printer's own state (stopped, offline, out of media). Every failure is a
``PrinterError`` (a ``TransientError``) carrying a ``badge.printer.*`` message key, raised
``from`` the cause. Nothing here retries: the print queue decides that.

These calls block (subprocesses, sockets); only the print queue's worker thread makes them.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from PIL import Image

from kiosk.core.badges.render import Template, to_pdf, to_png
from kiosk.core.config.errors import ConfigError, PrinterError
from kiosk.core.config.settings import PrinterSettings

STOPPED = "badge.printer.stopped"
OFFLINE = "badge.printer.offline"
OUT_OF_MEDIA = "badge.printer.out_of_media"
UNREACHABLE = "badge.printer.unreachable"
ERROR = "badge.printer.error"


class JobState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrintJob:
    """A rendered badge, ready for any printer."""

    job_id: str
    title: str
    image: Image.Image
    template: Template


@dataclass(frozen=True, slots=True)
class JobRef:
    """The printer's own name for an accepted job (CUPS job id, file name, …)."""

    printer: str
    ref: str


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    ready: bool
    #: idle, printing, stopped, offline, out_of_media, unreachable, unknown
    state: str
    message_key: str = ""
    detail: str = ""
    reasons: tuple[str, ...] = ()


class Printer(Protocol):
    name: str

    def print(self, job: PrintJob) -> JobRef:
        """Hand ``job`` over; returns once accepted. ``PrinterError`` if it cannot be."""
        ...

    def status(self) -> PrinterStatus: ...

    def job_state(self, ref: JobRef) -> JobState: ...


# -- CUPS ----------------------------------------------------------------------------------------
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


def _lists_job(listing: str, job: str) -> bool:
    return any(line.split()[:1] == [job] for line in listing.splitlines())


def _media_for(job: PrintJob) -> str:
    width_mm, height_mm = job.template.page_mm
    if height_mm is None:
        height_mm = job.image.height * 25.4 / job.template.dpi
    return f"Custom.{width_mm:g}x{round(height_mm, 1):g}mm"


# -- raw TCP printers (ESC/POS, Brother QL) ------------------------------------------------------
def _parse_address(address: str, default_port: int = 9100) -> tuple[str, int]:
    host, _, port = address.strip().rpartition(":")
    if not host:
        return address.strip(), default_port
    try:
        return host.strip("[]"), int(port)
    except ValueError as e:
        raise ValueError(f"not a host:port address: {address!r}") from e


class _TcpPrinter:
    """Sends a byte stream to a raw TCP port (JetDirect/AppSocket, port 9100), or to a
    character device when the address is a path (``/dev/usb/lp0``: a USB printer)."""

    name = "tcp"

    def __init__(self, address: str, *, timeout: float = 5.0) -> None:
        self.device: Path | None = None
        self.host, self.port = "", 0
        if address.strip().startswith("/"):
            self.device = Path(address.strip())
        else:
            self.host, self.port = _parse_address(address)
        self.timeout = timeout
        self._lock = threading.Lock()

    @property
    def target(self) -> str:
        return str(self.device) if self.device else f"{self.host}:{self.port}"

    def _send(self, data: bytes) -> None:
        if self.device is not None:
            try:
                with self.device.open("wb", buffering=0) as fh:
                    fh.write(data)
            except OSError as e:
                raise PrinterError(f"{self.device}: {e}", key=OFFLINE) from e
            return
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
                sock.sendall(data)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_WR)
        except TimeoutError as e:
            raise PrinterError(
                f"{self.target} did not answer in {self.timeout}s", key=UNREACHABLE
            ) from e
        except OSError as e:
            raise PrinterError(f"{self.target}: {e}", key=UNREACHABLE) from e

    def status(self) -> PrinterStatus:
        if self.device is not None:
            if not os.access(self.device, os.W_OK):
                return PrinterStatus(False, "offline", OFFLINE, f"{self.device} is not writable")
            return PrinterStatus(True, "idle")
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout):
                pass
        except OSError as e:
            return PrinterStatus(False, "unreachable", UNREACHABLE, str(e))
        return PrinterStatus(True, "idle")

    def job_state(self, ref: JobRef) -> JobState:
        # a raw socket has no job ids: what was sent in full has been accepted by the printer
        return JobState.COMPLETED

    def _ref(self, job: PrintJob) -> JobRef:
        return JobRef(self.name, job.job_id)


def escpos_raster(image: Image.Image, *, width_px: int, cut: bool = True) -> bytes:
    """An ESC/POS byte stream printing ``image`` as ``GS v 0`` raster, ``width_px`` dots wide."""
    from escpos.printer import Dummy

    mono = _to_mono(image, width_px)
    printer = Dummy()
    with contextlib.suppress(KeyError, TypeError):
        printer.profile.profile_data["media"]["width"]["pixels"] = width_px
    printer.hw("INIT")
    printer.image(mono, impl="bitImageRaster", center=False)
    if cut:
        printer.cut()
    return bytes(printer.output)


def _to_mono(image: Image.Image, width_px: int) -> Image.Image:
    grey = image.convert("L")
    if grey.width != width_px:
        height = max(1, round(grey.height * width_px / grey.width))
        grey = grey.resize((width_px, height), Image.Resampling.LANCZOS)
    return grey.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)


class EscposPrinter(_TcpPrinter):
    """An ESC/POS receipt printer on the network (``host:9100``) or on USB (``/dev/usb/lp0``);
    80 mm paper is 576 dots wide, 58 mm paper 384."""

    def __init__(self, address: str, *, width_px: int = 576, timeout: float = 5.0) -> None:
        super().__init__(address, timeout=timeout)
        self.width_px = width_px
        self.name = f"escpos:{self.target}"

    def print(self, job: PrintJob) -> JobRef:
        self._send(escpos_raster(job.image, width_px=self.width_px))
        return self._ref(job)


def brother_ql_raster(image: Image.Image, *, model: str, label: str) -> bytes:
    """Brother QL raster instructions for ``image`` on ``label`` (``62x100``, ``62`` …)."""
    with warnings.catch_warnings():
        # brother_ql 0.9 calls the deprecated logger.warn() when imported
        warnings.simplefilter("ignore", DeprecationWarning)
        from brother_ql.conversion import convert
        from brother_ql.raster import BrotherQLRaster

    qlr = BrotherQLRaster(model)
    qlr.exception_on_warning = True
    try:
        convert(qlr, [image.convert("RGB")], label, cut=True, rotate="0", dither=False)
    except Exception as e:  # brother_ql raises bare ValueErrors and its own types
        raise PrinterError(f"cannot make Brother QL raster: {e}", key=ERROR) from e
    return bytes(qlr.data)


class BrotherQLPrinter(_TcpPrinter):
    """A Brother QL label printer (QL-710W, QL-720NW, QL-820NWB …) on TCP port 9100."""

    def __init__(
        self, address: str, *, model: str = "QL-820NWB", label: str = "", timeout: float = 5.0
    ) -> None:
        super().__init__(address, timeout=timeout)
        self.model = model
        self.label = label
        self.name = f"brother_ql:{self.target}"

    def print(self, job: PrintJob) -> JobRef:
        label = self.label or job.template.brother_ql_label or "62"
        self._send(brother_ql_raster(job.image, model=self.model, label=label))
        return self._ref(job)


# -- file and fake -------------------------------------------------------------------------------
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


@dataclass
class FakePrinter:
    """An in-memory printer for unit tests: records jobs, fails when told to."""

    name: str = "fake"
    #: raise this from ``print`` while set (or for ``fail_times`` calls when that is > 0)
    error: PrinterError | None = None
    fail_times: int = 0
    #: what ``job_state`` reports for accepted jobs
    completes: JobState = JobState.COMPLETED
    ready: bool = True
    printed: list[PrintJob] = field(default_factory=list)
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def print(self, job: PrintJob) -> JobRef:
        with self._lock:
            self.calls += 1
            if self.error is not None:
                error = self.error
                if self.fail_times > 0:
                    self.fail_times -= 1
                    if self.fail_times == 0:
                        self.error = None
                raise error
            self.printed.append(job)
            return JobRef(self.name, job.job_id)

    def status(self) -> PrinterStatus:
        if self.ready and self.error is None:
            return PrinterStatus(True, "idle")
        key = self.error.message_key if self.error else OFFLINE
        return PrinterStatus(False, "offline", key)

    def job_state(self, ref: JobRef) -> JobState:
        return self.completes


def make_printer(settings: PrinterSettings, *, data_dir: Path | None = None) -> Printer:
    """The printer the settings describe (``[printer] backend = file|cups|escpos|brother_ql``)."""
    backend = settings.backend.strip().lower()
    if backend == "file":
        out = Path(settings.out_dir).expanduser() if settings.out_dir else None
        if out is None:
            out = (data_dir or Path(tempfile.gettempdir()) / "lobby-kiosk") / "badges"
        return FilePrinter(out)
    if backend == "cups":
        return CupsPrinter(settings.queue)
    if backend == "escpos":
        return EscposPrinter(settings.address)
    if backend in ("brother_ql", "brother-ql", "brotherql"):
        return BrotherQLPrinter(settings.address)
    raise ConfigError(
        f"unknown printer backend {settings.backend!r} (file, cups, escpos, brother_ql)",
        key="error.config",
    )

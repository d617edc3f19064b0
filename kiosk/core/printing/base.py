"""The printer interface every backend implements: ``Printer``, the job and status values,
and the ``badge.printer.*`` message keys.

    Printer (Protocol)
    ├── cups.py     CupsPrinter: any CUPS queue, through ``lp``/``lpstat`` (page size via ``media``)
    ├── escpos.py   EscposPrinter: ESC/POS receipt printers over TCP (port 9100), ``GS v 0`` raster
    ├── brother.py  BrotherQLPrinter: Brother QL label printers over TCP, no driver: QL raster
    ├── files.py    FilePrinter: PDF + PNG into a folder (the demo's default)
    └── fake.py     FakePrinter: in memory, for unit tests

``make_printer`` (factory.py) picks one from the settings.

``print(job)`` hands a rendered badge to the printer and returns a ``JobRef`` once the printer
(or the CUPS spooler) has accepted it; ``job_state(ref)`` says whether it has come out;
``status()`` reads the printer's own state (stopped, offline, out of media). Every failure is a
``PrinterError`` (a ``TransientError``) carrying a ``badge.printer.*`` message key, raised
``from`` the cause. Nothing here retries: the print queue decides that.

These calls block (subprocesses, sockets); only the print queue's worker thread makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from PIL import Image

from kiosk.core.badges.template import Template

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

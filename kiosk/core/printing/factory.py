"""``make_printer``: the printer backend the ``[printer]`` settings name."""

from __future__ import annotations

import tempfile
from pathlib import Path

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings import PrinterSettings
from kiosk.core.printing.base import Printer
from kiosk.core.printing.brother import BrotherQLPrinter
from kiosk.core.printing.cups import CupsPrinter
from kiosk.core.printing.escpos import EscposPrinter
from kiosk.core.printing.files import FilePrinter


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

"""Printing the roll call at once, on the first configured printer that takes it.

``[emergency] rollcall_printers`` names them in order: ``cups:QUEUE`` (A4), ``cups:QUEUE@roll62``
(a 62 mm label roll), ``file:DIR`` (a PDF into a folder), or ``badge`` (the badge printer, on its
62 mm roll: a CUPS queue or the file printer). Empty means ``badge``. ``+ps`` after a CUPS queue
sends the PDF inside a PostScript program for Ghostscript (``ps_wrap``): for CUPS-PDF queues,
whose PDF otherwise loses the names' text. A printer that refuses
(a stopped queue, out of paper, no CUPS) raises one alert for the desk and the next one is
tried; the outcome (which printer, or that all failed) goes into the incident's timeline
(``emergency.rollcall_printed``). Blocking (``lp``): run it off the UI thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.alerts import raise_alert_once
from kiosk.core.config.clock import site_time
from kiosk.core.config.errors import KioskError
from kiosk.core.config.settings import Settings
from kiosk.core.emergency.ps_wrap import pdf_in_postscript
from kiosk.core.emergency.rollcall_pdf import render_roll_call
from kiosk.core.emergency.service import EmergencyMode
from kiosk.core.printing.cups import CupsPrinter

log = logging.getLogger(__name__)

ALERT_KIND = "emergency.rollcall_print_failed"
ALERT_KEY = "alert.emergency.rollcall_print_failed"
MEDIA = {"a4": "A4", "roll62": "Custom.62x297mm"}


@dataclass(frozen=True, slots=True)
class Target:
    backend: str  # "cups" or "file"
    where: str
    paper: str
    #: CUPS only: the PDF inside a PostScript program for Ghostscript (``ps_wrap``)
    postscript: bool = False

    @property
    def name(self) -> str:
        return f"{self.backend}:{self.where}@{self.paper}{'+ps' if self.postscript else ''}"


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    ok: bool
    printer: str
    people: int
    #: where the PDF went (a file target), for tests and the log
    path: str = ""


def targets(settings: Settings) -> list[Target]:
    """The printers to try, in order (``ValueError`` for a spec that names none)."""
    specs = settings.emergency.rollcall_printers or ("badge",)
    out = []
    for spec in specs:
        spec = spec.strip()
        postscript = spec.endswith("+ps")
        text, _, paper = spec.removesuffix("+ps").partition("@")
        backend, _, where = text.partition(":")
        if backend == "badge":
            p = settings.printer
            if p.backend == "cups":
                out.append(Target("cups", p.queue, paper or "roll62", postscript))
            elif p.backend == "file":
                folder = p.out_dir or str(settings.data_dir / "badges")
                out.append(Target("file", folder, paper or "roll62"))
            else:
                log.warning("the badge printer (%s) takes no PDF: no roll call there", p.backend)
            continue
        if backend == "file":
            out.append(Target("file", where or str(settings.data_dir / "rollcall"), paper or "a4"))
        elif backend == "cups" and where:
            out.append(Target("cups", where, paper or "a4", postscript))
        else:
            raise ValueError(f"[emergency] rollcall_printers: cannot print to {spec!r}")
    return out


class RollCallPrinting:
    def __init__(self, *, mode: EmergencyMode, settings: Settings) -> None:
        self.mode = mode
        self.settings = settings

    def print_roll_call(self) -> PrintOutcome:
        """Print the roll call now; tries each printer in turn (alerting on each failure)."""
        mode, settings = self.mode, self.settings
        call = mode.roll_call()
        incident = mode.latest()
        now = site_time(mode.clock.now(), settings.site.timezone)
        site = f"{settings.site.name_zh} / {settings.site.name_en}"
        rendered: dict[str, bytes] = {}
        for target in targets(settings):
            if target.paper not in rendered:
                rendered[target.paper] = render_roll_call(
                    call, incident, paper=target.paper, site_name=site, printed_at=now
                )
            try:
                path = self._send(target, rendered[target.paper], now.strftime("%Y%m%d-%H%M%S"))
            except (KioskError, OSError) as e:
                log.warning("roll call not printed on %s: %s", target.name, e)
                with mode.store.transaction() as tx:
                    raise_alert_once(
                        tx,
                        ALERT_KIND,
                        severity="critical",
                        message_key=ALERT_KEY,
                        details={"printer": target.name[:200], "problem": str(e)[:200]},
                        site_id=settings.site.id,
                        kiosk_id=settings.kiosk.id,
                    )
                continue
            mode.printed(printer=target.name, people=len(call.lines), ok=True)
            return PrintOutcome(True, target.name, len(call.lines), path)
        mode.printed(printer="", people=len(call.lines), ok=False, problem="every printer failed")
        return PrintOutcome(False, "", len(call.lines))

    def _send(self, target: Target, pdf: bytes, stamp: str) -> str:
        if target.backend == "file":
            folder = Path(target.where).expanduser()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"rollcall-{stamp}-{target.paper}.pdf"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(pdf)
            tmp.replace(path)
            return str(path)
        document = pdf_in_postscript(pdf) if target.postscript else pdf
        CupsPrinter(target.where).print_document(
            document, title=f"roll call {stamp}", media=MEDIA[target.paper]
        )
        return ""

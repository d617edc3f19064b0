"""The ESC/POS backend: receipt printers on the network or USB, sent ``GS v 0`` raster."""

from __future__ import annotations

import contextlib

from PIL import Image

from kiosk.core.printing.base import JobRef, PrintJob
from kiosk.core.printing.tcp import TcpPrinter


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


class EscposPrinter(TcpPrinter):
    """An ESC/POS receipt printer on the network (``host:9100``) or on USB (``/dev/usb/lp0``);
    80 mm paper is 576 dots wide, 58 mm paper 384."""

    def __init__(self, address: str, *, width_px: int = 576, timeout: float = 5.0) -> None:
        super().__init__(address, timeout=timeout)
        self.width_px = width_px
        self.name = f"escpos:{self.target}"

    def print(self, job: PrintJob) -> JobRef:
        self._send(escpos_raster(job.image, width_px=self.width_px))
        return self._ref(job)

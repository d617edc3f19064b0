"""The Brother QL backend: label printers on TCP port 9100, sent QL raster without a driver."""

from __future__ import annotations

import warnings

from PIL import Image

from kiosk.core.config.errors import PrinterError
from kiosk.core.printing.base import ERROR, JobRef, PrintJob
from kiosk.core.printing.tcp import TcpPrinter


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


class BrotherQLPrinter(TcpPrinter):
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

"""What the raw printers share: a byte stream sent to TCP port 9100 (JetDirect/AppSocket)
or to a character device such as ``/dev/usb/lp0``."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path

from kiosk.core.config.errors import PrinterError
from kiosk.core.printing.base import OFFLINE, UNREACHABLE, JobRef, JobState, PrinterStatus, PrintJob


def _parse_address(address: str, default_port: int = 9100) -> tuple[str, int]:
    host, _, port = address.strip().rpartition(":")
    if not host:
        return address.strip(), default_port
    try:
        return host.strip("[]"), int(port)
    except ValueError as e:
        raise ValueError(f"not a host:port address: {address!r}") from e


class TcpPrinter:
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

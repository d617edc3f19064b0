"""The QR code in a received mail, read by a real decoder (zbarimg, Debian zbar-tools)."""

from __future__ import annotations

import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path


def decode_qr(png: bytes, folder: Path) -> list[str]:
    """What zbarimg reads in the PNG ``png`` (one text per code found)."""
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg (Debian zbar-tools, scripts/debian-packages.txt) is needed"
    path = folder / "qr.png"
    path.write_bytes(png)
    out = subprocess.run(
        [zbarimg, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=30
    )
    return out.stdout.split()


def qr_of(mail: EmailMessage, folder: Path) -> list[str]:
    """The codes in the mail's one PNG image, which its HTML shows inline (``cid:``)."""
    [image] = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    html = mail.get_body(("html",))
    assert html is not None
    assert f"cid:{image['Content-ID'].strip('<>')}" in html.get_content()
    return decode_qr(image.get_content(), folder)

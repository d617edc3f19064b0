"""The badge's QR code: the modules of a token and a crisp image of them."""

from __future__ import annotations

from functools import lru_cache

import qrcode
import qrcode.constants
from PIL import Image


@lru_cache(maxsize=64)
def qr_matrix(token: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules of ``token``, quiet zone (4 modules) included."""
    # A fixed mask pattern saves trying all eight (most of qrcode's time); any mask is valid
    # and scanners read it just as well.
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=2)
    qr.add_data(token)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


def qr_image(token: str, size_px: int) -> Image.Image:
    """A square QR image at most ``size_px`` wide, whole pixels per module, quiet zone kept."""
    matrix = qr_matrix(token)
    n = len(matrix)
    module = max(1, size_px // n)
    small = Image.frombytes(
        "L", (n, n), bytes(0 if cell else 255 for row in matrix for cell in row)
    )
    img = small.resize((n * module, n * module), Image.Resampling.NEAREST)
    if img.width == size_px:
        return img
    out = Image.new("L", (size_px, size_px), 255)
    offset = (size_px - img.width) // 2
    out.paste(img, (offset, offset))
    return out

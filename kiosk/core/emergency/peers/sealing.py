"""Sealing peer messages with the site's peer key: AES-256-GCM, the key version in the clear.

A frame is ``MAGIC (4) | key version (2, big-endian) | nonce (12) | ciphertext+tag``; the
header and the site id are the associated data, so a frame sealed for another site, or with
its header changed, does not open. Opening names no reason beyond "refused" to the sender;
the log gets it. Pure functions; no I/O.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.core.keys.hierarchy import SiteKey

MAGIC = b"KPE1"
_HEADER = struct.Struct(">4sH12s")
#: the largest frame a kiosk reads (500 visitors and a drill's marks need about 0.3 MB)
MAX_FRAME = 8 * 1024 * 1024


class Refused(Exception):
    """A frame this kiosk will not take; ``reason`` is for the log and the alert."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def seal(key: SiteKey, site_id: str, plaintext: bytes) -> bytes:
    header = _HEADER.pack(MAGIC, key.version, os.urandom(12))
    return header + AESGCM(key.key[:32]).encrypt(header[-12:], plaintext, header + site_id.encode())


def open_frame(keys: Callable[[int], SiteKey | None], site_id: str, frame: bytes) -> bytes:
    """The plaintext of a frame; ``Refused`` for anything that is not one this site sealed."""
    if len(frame) > MAX_FRAME:
        raise Refused("too large")
    if len(frame) < _HEADER.size + 16:
        raise Refused("garbage: too short")
    magic, version, nonce = _HEADER.unpack_from(frame)
    if magic != MAGIC:
        raise Refused("garbage: not a peer frame")
    key = keys(version)
    if key is None:
        raise Refused(f"sealed with peer key version {version}, which this kiosk does not hold")
    header = frame[: _HEADER.size]
    try:
        return AESGCM(key.key[:32]).decrypt(nonce, frame[_HEADER.size :], header + site_id.encode())
    except InvalidTag:
        raise Refused("bad seal (not this site's peer key, or altered)") from None

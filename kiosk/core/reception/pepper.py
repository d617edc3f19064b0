"""The site's PIN pepper: the secret mixed into every staff PIN before it is hashed.

An enrolled kiosk uses its site's ``staff-pin`` key from the key hierarchy (fetched with the
other site keys, ``kiosk.core.keys.site_keys``), the same key head office hashes with. A
stand-alone kiosk makes its own the first time it needs one. Either way the pepper is kept
in a file of its own beside the database (``staff-pin.key``, mode 0600), never in the
database: a copied database alone cannot be searched for PINs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from kiosk.core.config.errors import ConfigError, NotFoundError
from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey

FILE_NAME = "staff-pin.key"


class Pepper:
    """``get()`` the pepper; ``NotFoundError`` while an enrolled kiosk waits for its key."""

    def __init__(
        self,
        data_dir: Path | str,
        *,
        site_key: Callable[[], SiteKey | None] | None = None,
    ) -> None:
        self.path = Path(data_dir) / FILE_NAME
        #: the site's staff-pin key from head office (None: a stand-alone kiosk)
        self.site_key = site_key

    def get(self) -> bytes:
        if self.site_key is not None:
            key = self.site_key()
            if key is not None:
                if self._read() != key.key:
                    self._write(key.key)
                return key.key
            stored = self._read()
            if stored is None:
                raise NotFoundError(
                    "the site's staff-pin key has not come from head office yet",
                    key="reception.waiting_for_keys",
                )
            return stored
        stored = self._read()
        if stored is None:
            stored = secrets.token_bytes(32)
            self._write(stored)
        return stored

    def _read(self) -> bytes | None:
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise ConfigError(f"cannot read {self.path}: {e.strerror}") from e
        try:
            return bytes.fromhex(text)
        except ValueError as e:
            raise ConfigError(f"{self.path} is not a hex key") from e

    def _write(self, key: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key.hex() + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


def kiosk_key_for(
    purpose_key: Callable[[KeyPurpose], SiteKey | None],
) -> Callable[[], SiteKey | None]:
    """Adapts ``SiteKeys.current`` to what ``Pepper`` takes."""
    return lambda: purpose_key(KeyPurpose.STAFF_PIN)

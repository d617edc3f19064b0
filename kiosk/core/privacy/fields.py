"""Field encryption: personal values sealed with AES-256-GCM before they reach a database.

``FieldCipher.seal(value, table, column)`` gives a text token, ``open(token, table, column)``
the value back. The table and column are the associated data, so a token copied into another
column (a name pasted where a note was) fails to open instead of reading as something else.
A token is ``pf1.<key version>.<base64url(nonce ‖ ciphertext ‖ tag)>``; the version says which
of the installation's keys sealed it, so a rotated key still opens older rows.

The data key is the installation's own (one per kiosk, one per head-office server), kept in a
0600 key file (``key_files``: ``keys/data.key`` beside the database), never in the database,
so a copy of the database alone reads as noise. Backups carry the key file with the database.

``""`` stays ``""`` (an empty field says nothing about a person, and SQL tests on ``!= ''``
keep working). ``open`` returns a value without the token prefix as it is: rows written before
the encryption step (``privacy/migrate.py`` seals them at start) read until they are sealed.

Other engineers' tables adopt it with two calls (``seal`` on write, ``open`` on read) in their
repository; ``docs/privacy.md`` says how. Must never: log a value or a key, import Kivy.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.core.config.errors import StorageError
from kiosk.core.keys.key_files import KeyFile, StoredKey, key_folder

KEY_NAME = "data"
PREFIX = "pf1."
_NONCE = 12


class Fields(Protocol):
    """What a repository seals and opens personal values with."""

    def seal(self, value: str, table: str, column: str) -> str: ...
    def open(self, text: str | None, table: str, column: str) -> str: ...
    def digest(self, value: str, table: str, column: str) -> str: ...


class FieldError(StorageError):
    """A sealed value that does not open: another key, another column, or altered."""


def is_sealed(text: str | None) -> bool:
    return bool(text) and str(text).startswith(PREFIX)


class FieldCipher:
    """Seals and opens personal fields with the installation's data key (``keys/data.key``)."""

    def __init__(self, key_file: KeyFile) -> None:
        self.key_file = key_file
        stored = key_file.read() or key_file.create_if_absent(
            [StoredKey(secrets.token_bytes(32), source="local", purpose="data")]
        )
        self._lock = threading.Lock()
        self._stamp = self._file_stamp()
        self._looked = time.monotonic()
        self._set(stored)

    @classmethod
    def for_database(cls, path: Path | str) -> FieldCipher:
        """The cipher of the database at ``path`` (its key beside it; in memory for
        ``":memory:"``)."""
        return cls(KeyFile(key_folder(path), KEY_NAME))

    def _set(self, stored: list[StoredKey]) -> None:
        with self._lock:
            self._current = stored[0]
            self._aead = {k.version: AESGCM(k.key) for k in stored}
            # the first key: kept for ever (rotation keeps every version), so a digest stays
            # the same across rotations
            first = min(stored, key=lambda k: k.version)
            self._digest_key = hmac.new(first.key, b"field digest", hashlib.sha256).digest()

    @property
    def version(self) -> int:
        with self._lock:
            return self._current.version

    def _file_stamp(self) -> int:
        try:
            return self.key_file.path.stat().st_mtime_ns if self.key_file.path else 0
        except OSError:
            return 0

    def _follow(self, *, now: bool = False) -> None:
        """Take up a rotation another process (``kiosk rotate-keys``) wrote to the key file:
        looked at once a second at most, or ``now`` (a token of an unknown version)."""
        moment = time.monotonic()
        if not now and moment - self._looked < 1.0:
            return
        self._looked = moment
        stamp = self._file_stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            stored = self.key_file.read()
            if stored:
                self._set(stored)

    def seal(self, value: str, table: str, column: str) -> str:
        if not value:
            return ""
        self._follow()
        with self._lock:
            version, aead = self._current.version, self._aead[self._current.version]
        nonce = secrets.token_bytes(_NONCE)
        sealed = aead.encrypt(nonce, value.encode("utf-8"), _aad(table, column))
        return f"{PREFIX}{version}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def seal_many(self, values: Sequence[str], table: str, column: str) -> list[str]:
        """``seal`` of many values of one column (a pushed batch): one key look-up and one
        read of the system's randomness for all their nonces, each value its own nonce."""
        self._follow()
        with self._lock:
            version, aead = self._current.version, self._aead[self._current.version]
        aad, prefix, encrypt = _aad(table, column), f"{PREFIX}{version}.", aead.encrypt
        nonces = secrets.token_bytes(_NONCE * len(values))
        sealed = []
        for i, value in enumerate(values):
            if not value:
                sealed.append("")
                continue
            nonce = nonces[i * _NONCE : (i + 1) * _NONCE]
            body = nonce + encrypt(nonce, value.encode("utf-8"), aad)
            sealed.append(prefix + base64.urlsafe_b64encode(body).decode("ascii"))
        return sealed

    def open(self, text: str | None, table: str, column: str) -> str:
        if not text:
            return ""
        if not text.startswith(PREFIX):
            return text  # written before encryption; sealed by the migration at start
        try:
            version_text, body = text[len(PREFIX) :].split(".", 1)
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            version = int(version_text)
            if version not in self._aead:
                self._follow(now=True)
            with self._lock:
                aead = self._aead[version]
            return aead.decrypt(raw[:_NONCE], raw[_NONCE:], _aad(table, column)).decode("utf-8")
        except (ValueError, KeyError, InvalidTag) as e:
            raise FieldError(
                f"a sealed {table}.{column} value does not open (another key, or altered)"
            ) from e

    def digest(self, value: str, table: str, column: str) -> str:
        """A keyed HMAC-SHA256 of ``value``: the same for the same value, so a sealed column
        can keep a unique key (``alert_deliveries.url_key``) without the value in clear."""
        with self._lock:
            key = self._digest_key
        data = f"{table}.{column}\0{value}".encode()
        return "fd1." + hmac.new(key, data, hashlib.sha256).hexdigest()

    def rotate(self) -> StoredKey:
        """Seal with a new key from now on; older keys still open what they sealed
        (``privacy/migrate.reseal`` moves those rows to the new key)."""
        with self._lock:
            old = list(self.key_file.read())
            fresh = StoredKey(
                secrets.token_bytes(32),
                version=max(k.version for k in old) + 1,
                source="local",
                purpose="data",
            )
        self.key_file.write([fresh, *old])
        self._stamp = self._file_stamp()
        self._set([fresh, *old])
        return fresh

    def __repr__(self) -> str:  # never a key in a log line
        return f"FieldCipher(v{self.version})"


class PlainFields:
    """Stores values as they are: for benchmarks that measure the cost of sealing (and a
    store that must stay readable without a key file, like a tool's scratch copy)."""

    version = 0

    def seal(self, value: str, table: str, column: str) -> str:
        return value

    def seal_many(self, values: Sequence[str], table: str, column: str) -> list[str]:
        return list(values)

    def open(self, text: str | None, table: str, column: str) -> str:
        return text or ""

    def digest(self, value: str, table: str, column: str) -> str:
        return value


def _aad(table: str, column: str) -> bytes:
    return f"{table}.{column}".encode("ascii")

"""Key files: the kiosk's secret keys, each in a 0600 file of its own, never in the database.

A copy of the database (a backup, a support bundle) must not carry what signs badges or keys
the blind index. Each file is ``<data dir>/keys/<name>.key`` (the folder 0700): JSON with the
key's versions, current first, each with where it came from (``local``: made by this kiosk;
``site``: derived by head office for the site) and, in a file holding keys of several purposes
(``site.key``: every key fetched from head office), the purpose; a key no longer signed with
but still honoured (the badge key before a rotation) says since when. Written atomically (a
temporary file, fsync, rename, fsync of the folder), created with ``O_EXCL`` so two threads
making the first key agree on one.

A store in memory (tests, tools) keeps its keys in memory. No Kivy, no network.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

KEYS_DIR = "keys"


@dataclass(frozen=True, slots=True)
class StoredKey:
    key: bytes
    version: int = 1
    source: str = "local"
    #: what the key is for, in a file of several purposes (``KeyPurpose`` value); else ""
    purpose: str = ""
    #: when this kiosk stopped signing with it (None: the current key, or kept by an older
    #: version that did not say)
    retired_at: datetime | None = None

    def __repr__(self) -> str:  # never the key in a log line
        return f"StoredKey({self.purpose or 'key'} v{self.version}, {self.source})"


def _encode(entries: list[StoredKey]) -> bytes:
    items = []
    for e in entries:
        item: dict[str, object] = {"key": e.key.hex(), "version": e.version, "source": e.source}
        if e.purpose:
            item["purpose"] = e.purpose
        if e.retired_at is not None:
            item["retired_at"] = e.retired_at.isoformat()
        items.append(item)
    return json.dumps({"keys": items}).encode()


def _decode(raw: bytes) -> list[StoredKey]:
    """The file's keys (``ValueError``/``KeyError``/``TypeError`` when it is not a key file)."""
    body = json.loads(raw)
    return [
        StoredKey(
            bytes.fromhex(i["key"]),
            int(i["version"]),
            str(i["source"]),
            str(i.get("purpose", "")),
            datetime.fromisoformat(i["retired_at"]) if i.get("retired_at") else None,
        )
        for i in body["keys"]
    ]


class KeyFile:
    """One named key's versions, current first."""

    def __init__(self, folder: Path | None, name: str) -> None:
        self.path = folder / f"{name}.key" if folder is not None else None
        self._memory: list[StoredKey] = []
        self._lock = threading.Lock()

    def read(self) -> list[StoredKey]:
        if self.path is None:
            return list(self._memory)
        try:
            return _decode(self.path.read_bytes())
        except FileNotFoundError:
            return []

    def write(self, entries: list[StoredKey]) -> None:
        if self.path is None:
            self._memory = list(entries)
            return
        self._folder()
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, _encode(entries))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        _sync_folder(self.path.parent)

    def create_if_absent(self, entries: list[StoredKey]) -> list[StoredKey]:
        """Store ``entries`` unless the file exists; returns what is stored either way."""
        with self._lock:
            if self.path is None:
                if not self._memory:
                    self._memory = list(entries)
                return list(self._memory)
            self._folder()
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return self.read()
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, _encode(entries))
                os.fsync(fd)
            finally:
                os.close(fd)
            _sync_folder(self.path.parent)
            return list(entries)

    def _folder(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def key_folder(store_path: Path | str) -> Path | None:
    """Where the keys of the store at ``store_path`` live (None for a store in memory)."""
    if str(store_path) == ":memory:":
        return None
    return Path(store_path).parent / KEYS_DIR

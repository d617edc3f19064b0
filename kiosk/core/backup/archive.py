"""Backup archives: a tar of named files, encrypted with a passphrase, written mode 0600.

Used by ``kiosk backup`` and ``kiosk-server backup`` alike (plain Python, no Kivy, no server
imports). The format, all integers big-endian:

    b"LKBACKUP1\\n" | salt (16) | scrypt n log2 (1) | chunks…
    chunk = length (4) | AES-256-GCM(plaintext ≤ 1 MiB), nonce = 8 random bytes + counter (4),
            associated data = header + counter + last-chunk flag

The key is scrypt(passphrase, salt). Chunking keeps memory flat for a large PostgreSQL dump;
the counter and the last-chunk flag in the associated data make a reordered, dropped or
truncated chunk fail authentication, so a damaged archive is refused, never half-restored.

Must never: write an unencrypted byte of the archive to disk, or leave a readable temporary.
"""

from __future__ import annotations

import io
import os
import secrets
import struct
import tarfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from kiosk.core.config.errors import ConfigError, KioskError

MAGIC = b"LKBACKUP1\n"
CHUNK = 1 << 20
#: scrypt cost as a power of two: 2**15 takes about 0.1 s and 32 MB, per archive
SCRYPT_LOG2 = 15
#: where in the archive the manifest lives (JSON written by the caller)
MANIFEST = "manifest.json"


class BackupError(KioskError):
    """An archive that cannot be read: wrong passphrase, damaged, or not a backup."""

    message_key = "error.backup"


def _key(passphrase: str, salt: bytes, log2: int) -> bytes:
    if not passphrase:
        raise ConfigError("an empty backup passphrase: give one with --passphrase-file")
    return Scrypt(salt=salt, length=32, n=1 << log2, r=8, p=1).derive(passphrase.encode())


class _EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts in 1 MiB chunks into ``out``."""

    def __init__(self, out: BinaryIO, passphrase: str) -> None:
        salt = secrets.token_bytes(16)
        self.header = MAGIC + salt + bytes([SCRYPT_LOG2])
        out.write(self.header)
        self.aead = AESGCM(_key(passphrase, salt, SCRYPT_LOG2))
        self.prefix = secrets.token_bytes(8)
        self.out, self.buffer, self.counter = out, bytearray(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:
            self._chunk(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def finish(self) -> None:
        self._chunk(bytes(self.buffer), last=True)
        self.buffer.clear()

    def _chunk(self, plain: bytes, *, last: bool) -> None:
        nonce = self.prefix + struct.pack(">I", self.counter)
        aad = self.header + struct.pack(">I?", self.counter, last)
        sealed = self.aead.encrypt(nonce, plain, aad)
        self.out.write(struct.pack(">I", len(sealed)) + nonce + sealed)
        self.counter += 1


def _decrypted_chunks(source: io.BufferedReader, passphrase: str) -> Iterator[bytes]:
    header = source.read(len(MAGIC) + 17)
    if not header.startswith(MAGIC) or len(header) != len(MAGIC) + 17:
        raise BackupError("not a lobby-kiosk backup archive")
    salt, log2 = header[len(MAGIC) : -1], header[-1]
    aead = AESGCM(_key(passphrase, salt, log2))
    counter = 0
    while True:
        size_bytes = source.read(4)
        if len(size_bytes) != 4:
            raise BackupError("the archive is truncated")
        nonce = source.read(12)
        sealed = source.read(struct.unpack(">I", size_bytes)[0])
        last = source.peek(1)[:1] == b""
        try:
            plain = aead.decrypt(nonce, sealed, header + struct.pack(">I?", counter, last))
        except InvalidTag:
            if counter == 0:
                raise BackupError("wrong passphrase, or the archive is damaged") from None
            raise BackupError("the archive is damaged or truncated") from None
        yield plain
        if last:
            return
        counter += 1


def write_archive(path: Path, files: Mapping[str, Path], passphrase: str) -> None:
    """Write ``files`` (name in the archive → file on disk) as one encrypted archive at
    ``path``, mode 0600, replaced atomically (a crash leaves the old archive or none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            writer = _EncryptingWriter(out, passphrase)
            with tarfile.open(fileobj=writer, mode="w|gz") as tar:
                for name, source in sorted(files.items()):
                    info = tar.gettarinfo(str(source), arcname=name)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    info.mode = 0o600
                    with source.open("rb") as f:
                        tar.addfile(info, f)
            writer.finish()
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self.pending:
            try:
                self.pending = next(self.chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self.pending))
        b[:n], self.pending = self.pending[:n], self.pending[n:]
        return n


def extract_archive(path: Path, into: Path, passphrase: str) -> list[str]:
    """Decrypt ``path`` and write its files into the folder ``into`` (mode 0600 each);
    returns their names. ``BackupError`` for a wrong passphrase or a damaged archive."""
    try:
        source = path.open("rb")
    except OSError as e:
        raise BackupError(f"cannot read {path}: {e.strerror}") from e
    names = []
    with source:
        reader = io.BufferedReader(_ChunkReader(_decrypted_chunks(source, passphrase)))
        try:
            with tarfile.open(fileobj=reader, mode="r|gz") as tar:
                for member in tar:
                    if not member.isfile() or not _allowed(member.name):
                        raise BackupError(f"unexpected entry {member.name!r} in the archive")
                    data = tar.extractfile(member)
                    assert data is not None
                    target = into / member.name
                    target.parent.mkdir(mode=0o700, exist_ok=True)
                    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(fd, "wb") as out:
                        while block := data.read(CHUNK):
                            out.write(block)
                    names.append(member.name)
        except (tarfile.TarError, EOFError, OSError) as e:
            if isinstance(e.__context__, BackupError):
                raise e.__context__ from None
            raise BackupError(f"the archive is damaged: {e}") from e
    return names


def read_passphrase(path: str | Path | None, *, env: str = "KIOSK_BACKUP_PASSPHRASE") -> str:
    """The passphrase from ``path`` (first line), else the environment variable ``env``."""
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"cannot read the passphrase file {path}: {e.strerror}") from e
        return text.splitlines()[0] if text else ""
    value = os.environ.get(env, "")
    if not value:
        raise ConfigError(f"no backup passphrase: give --passphrase-file FILE or set ${env}")
    return value


#: the one folder an archive may hold files in: the kiosk's key files (``kiosk/core/keys``)
KEYS_FOLDER = "keys"


def _allowed(name: str) -> bool:
    """A plain file name, or one inside ``keys/``: never a path that climbs or goes deeper."""
    parts = Path(name).parts
    if len(parts) == 1:
        return parts[0] not in ("", ".", "..")
    return len(parts) == 2 and parts[0] == KEYS_FOLDER and parts[1] not in ("", ".", "..")

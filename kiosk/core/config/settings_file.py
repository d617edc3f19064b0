"""Writing the kiosk's settings file (receptionist mode's settings screen).

``save_settings(path, changes)`` reads the TOML file as it is, changes only the keys given,
writes the result to a temporary file beside it (fsync), reads that back with the kiosk's own
``load_settings`` (a value the kiosk would refuse never replaces a good file), then renames it
over the old one and fsyncs the folder: a reader, a crash or a power cut sees the old file or
the new one, never half of one. Keys the file had and nobody changed are kept; comments are
not (the file is written by ``tomli_w``: no comment-keeping TOML writer is in use here).

Must never: write defaults the file did not name, or leave the old file half-replaced.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings import Settings, load_settings


def write_atomically(
    path: Path, data: bytes, *, check: Callable[[Path], object] | None = None
) -> None:
    """Replace ``path`` with ``data``: temporary file beside it, fsync, ``check(tmp)`` (may
    raise: then nothing is replaced), rename, fsync of the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        if check is not None:
            check(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def save_settings(path: Path, changes: Mapping[str, Mapping[str, Any]]) -> Settings:
    """Write ``changes`` (``{"kiosk": {"idle_timeout": 60.0}}``) into the file at ``path``
    and return the settings the file now gives (``ConfigError`` for a value it refuses)."""
    import tomli_w

    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(f"{path}: cannot read the settings file: {e}") from e
    for section, values in changes.items():
        table = data.setdefault(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
        for key, value in values.items():
            table[key] = list(value) if isinstance(value, tuple) else value
    text = tomli_w.dumps(data).encode("utf-8")
    checked: list[Settings] = []
    write_atomically(path, text, check=lambda tmp: checked.append(load_settings(tmp, environ={})))
    return checked[0]

"""``kiosk enroll URL CODE``: join head office with a one-time code.

The server answers with this kiosk's id and a secret token. The token goes into
``<data dir>/head-office.token`` with mode 0600 (written to a temporary file and renamed, so
a crash never leaves half a token); the id, site and URL into ``<data dir>/enrollment.json``.
The HTTP goes through the ``HeadOffice`` client handed in (``sync.client.HeadOfficeClient``:
TLS verification always on, a private CA given with ``ca_bundle``, never by turning it off).
Plain ``http://`` is accepted only for a loopback address (tests, a server on the same
machine): ``check_url`` is that rule, and the client applies it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.core.config.errors import ConfigError
from kiosk.core.head_office.protocol import AnyHeadOffice

TOKEN_FILE = "head-office.token"
ENROLLMENT_FILE = "enrollment.json"
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True, slots=True)
class Enrollment:
    url: str
    kiosk_id: str
    site_id: str
    site_name_zh: str
    site_name_en: str
    site_timezone: str
    ca_bundle: str = ""
    #: the kiosk's name at head office ("Lobby east"); empty in files from older versions
    kiosk_name: str = ""


def check_url(url: str) -> str:
    """The head-office URL without a trailing slash; ConfigError for anything unsafe."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"head-office URL must be https://host[:port], got {url!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ConfigError(
            f"refusing plain http to {parts.hostname}: use https (with ca_bundle for a private CA)"
        )
    return url.rstrip("/")


def enroll(head_office: AnyHeadOffice, code: str, *, data_dir: Path | str) -> Enrollment:
    """Trade ``code`` for a kiosk identity; write the token (0600) and the enrollment file.

    ``DeniedError`` for a code that is unknown, used or expired; ``TransportError`` when head
    office cannot be reached (nothing is written then).
    """
    answer = head_office.enroll(code.strip())
    enrollment = Enrollment(
        url=head_office.url,
        kiosk_id=answer.kiosk_id,
        site_id=answer.site_id,
        site_name_zh=answer.site_name_zh,
        site_name_en=answer.site_name_en,
        site_timezone=answer.site_timezone,
        ca_bundle=head_office.ca_bundle,
        kiosk_name=answer.kiosk_name,
    )
    folder = Path(data_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_private(folder / TOKEN_FILE, answer.token)
    _write_private(
        folder / ENROLLMENT_FILE, json.dumps(asdict(enrollment), ensure_ascii=False, indent=2)
    )
    return enrollment


def load_enrollment(data_dir: Path | str) -> tuple[Enrollment, str] | None:
    """The stored enrollment and token, or None for a kiosk never enrolled."""
    folder = Path(data_dir)
    try:
        info = json.loads((folder / ENROLLMENT_FILE).read_text(encoding="utf-8"))
        token = (folder / TOKEN_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot read the enrollment in {folder}: {e}") from e
    return Enrollment(**info), token


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)

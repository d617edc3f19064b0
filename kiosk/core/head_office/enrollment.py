"""``kiosk enroll URL CODE``: join head office with a one-time code.

The server answers with this kiosk's id and a secret token. The token goes into
``<data dir>/head-office.token`` with mode 0600 (written to a temporary file and renamed, so
a crash never leaves half a token); the id, site and URL into ``<data dir>/enrollment.json``.
TLS verification is always on: a private CA is given with ``ca_bundle``, never by turning
verification off. Plain ``http://`` is accepted only for a loopback address (tests, a server
on the same machine).
"""

from __future__ import annotations

import json
import os
import ssl
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from kiosk.core.config.errors import ConfigError, DeniedError, TransportError

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


def verify_setting(ca_bundle: str) -> ssl.SSLContext | bool:
    if not ca_bundle:
        return True
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"cannot load the CA bundle {ca_bundle}: {e}") from e


def enroll(
    url: str,
    code: str,
    *,
    data_dir: Path | str,
    ca_bundle: str = "",
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> Enrollment:
    """Trade ``code`` for a kiosk identity; write the token (0600) and the enrollment file."""
    base = check_url(url)
    try:
        with httpx.Client(
            verify=verify_setting(ca_bundle), timeout=timeout, transport=transport
        ) as client:
            response = client.post(f"{base}/api/v1/enroll", json={"code": code.strip()})
    except httpx.HTTPError as e:
        raise TransportError(f"cannot reach head office at {base}: {e!r}") from e
    if response.status_code == 401:
        raise DeniedError("the enrollment code is unknown, used or expired", key="enroll.denied")
    if response.status_code != 200:
        raise TransportError(f"head office answered {response.status_code}: {response.text[:200]}")
    body = response.json()
    enrollment = Enrollment(
        url=base,
        kiosk_id=body["kiosk_id"],
        site_id=body["site_id"],
        site_name_zh=body["site_name_zh"],
        site_name_en=body["site_name_en"],
        site_timezone=body["site_timezone"],
        ca_bundle=ca_bundle,
        kiosk_name=str(body.get("kiosk_name") or ""),
    )
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _write_private(folder / TOKEN_FILE, body["token"])
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

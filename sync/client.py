"""The kiosk's sync worker: push the outbox to head office, pull the site's changes.

Runs in its own thread and never touches widgets: the UI asks ``status()`` for a frozen
``SyncStatus`` and schedules its own redraw. A check-in never waits on the network: the worker
reads only what is already committed.

Push: events after the "sync" consumer position, in batches, gzip-compressed; the position
moves past a batch in one transaction once the server has answered for every event in it
(stored, already had, or rejected: a rejected event can never succeed, so it is passed, and
counted in the status with an alert, ``sync.attention``). Pull: changes after the stored
cursor, applied through ``sync.apply`` with the new cursor in the same transaction; a change
that fails to apply is quarantined (kept aside, counted, alerted) and the feed flows on.

Failures back off exponentially with jitter, timed by the injected clock; a commit that emits
events wakes an idle worker at once.
"""

from __future__ import annotations

import gzip
import json
import logging
import sqlite3
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests
import requests.adapters
import requests.auth
from pydantic import ValidationError as PydanticError

from kiosk.core.config.clock import SystemClock
from kiosk.core.config.errors import ConfigError, TransportError
from kiosk.core.config.settings import DATABASE_FILE
from kiosk.core.head_office import enrollment
from kiosk.core.head_office.enrollment import Enrollment, check_url
from kiosk.core.head_office.protocol import EnrollAnswer, HeadOffice
from kiosk.core.keys.site_keys import KEYS_PATH, KeySet, fetch_after_enrollment, parse_key_set

from .errors import error_for, network_error, unreadable
from .protocol import (
    API_PREFIX,
    HEALTH_PATH,
    MAX_PULL_WAIT,
    PROTOCOL_VERSION,
    EnrollOut,
    PullOut,
    PushOut,
)

log = logging.getLogger(__name__)


def encode_push(rows: Sequence[sqlite3.Row]) -> bytes:
    """The JSON body of a push (``PushIn``) straight from outbox rows.

    Payloads are stored as JSON text already; splicing them in spares a parse and a re-dump
    of every event, the larger part of the kiosk's cost per batch.
    """
    dumps = json.dumps
    parts = [
        f'{{"uuid":{dumps(r["uuid"])},"kind":{dumps(r["kind"])},'
        f'"entity_id":{dumps(r["entity_id"])},"occurred_at":{dumps(r["occurred_at"])},'
        f'"hlc":{dumps(r["hlc"])},"payload":{r["payload"] or "{}"}}}'
        for r in rows
    ]
    return f'{{"protocol":{PROTOCOL_VERSION},"events":[{",".join(parts)}]}}'.encode()


# -- the head-office client ------------------------------------------------------------------
#: what the sync worker holds: the core's protocol with the wire models as answers
SyncHeadOffice = HeadOffice[PushOut, PullOut]
#: seconds to open a connection, and to wait for each read of the answer
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0


class _Bearer(requests.auth.AuthBase):
    """The kiosk token as ``Authorization: Bearer`` (and never a ~/.netrc password instead)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        else:
            request.headers.pop("Authorization", None)
        return request


def check_ca_bundle(ca_bundle: str) -> None:
    """A CA bundle that cannot be loaded is a ``ConfigError`` (fix the settings), never a
    reason to connect unverified."""
    if not ca_bundle:
        return
    try:
        ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"cannot load the CA bundle {ca_bundle}: {e}") from e


class HeadOfficeClient:
    """The kiosk's one head-office client: a ``requests.Session`` (connections kept and
    reused), TLS always verified (the system CAs, or ``ca_bundle`` alone for a private CA),
    connect and read timeouts, gzip push bodies, redirects never followed (the token stays
    with the host it was given to), and one status→error mapping (``errors.error_for``)."""

    def __init__(
        self,
        base_url: str,
        token: str = "",
        *,
        ca_bundle: str = "",
        timeout: float | tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        pool_size: int = 8,
    ) -> None:
        self._url = check_url(base_url)
        check_ca_bundle(ca_bundle)
        self._ca_bundle = ca_bundle
        self._timeout = timeout
        self.session = requests.Session()
        self.session.auth = _Bearer(token)
        self.session.headers["User-Agent"] = "lobby-kiosk"
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=1, pool_maxsize=pool_size, max_retries=0
        )
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    @property
    def url(self) -> str:
        return self._url

    @property
    def ca_bundle(self) -> str:
        return self._ca_bundle

    def close(self) -> None:
        self.session.close()

    def _send(
        self, method: str, path: str, *, denied_key: str, timeout: Any = None, **kwargs: Any
    ) -> bytes:
        """The answer's body for a 2xx; the project's error for anything else."""
        try:
            response = self.session.request(
                method,
                self._url + path,
                timeout=timeout or self._timeout,
                # per request, so REQUESTS_CA_BUNDLE never replaces a configured private CA
                verify=self._ca_bundle or True,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as e:
            raise network_error(self._url, e) from e
        if not 200 <= response.status_code < 300:
            raise error_for(
                response.status_code,
                response.text,
                location=response.headers.get("Location", ""),
                denied_key=denied_key,
            )
        return response.content

    def enroll(self, code: str) -> EnrollAnswer:
        body = self._send(
            "POST", API_PREFIX + "/enroll", json={"code": code}, denied_key="enroll.denied"
        )
        try:
            answer = EnrollOut.model_validate_json(body)
        except PydanticError as e:
            raise unreadable("enrollment", e) from e
        return EnrollAnswer(**answer.model_dump())

    def fetch_keys(self) -> KeySet:
        body = self._send("GET", KEYS_PATH, denied_key="sync.denied")
        try:
            return parse_key_set(json.loads(body))
        except (ValueError, KeyError, TypeError) as e:
            raise TransportError("head office sent no usable keys") from e

    def push(self, body: bytes) -> PushOut:
        raw = gzip.compress(body, compresslevel=3)
        answer = self._send(
            "POST",
            API_PREFIX + "/sync/push",
            data=raw,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            denied_key="sync.denied",
        )
        try:
            return PushOut.model_validate_json(answer)
        except PydanticError as e:
            raise unreadable("push", e) from e

    def report_health(self, body: bytes) -> None:
        self._send(
            "POST",
            API_PREFIX + HEALTH_PATH,
            data=body,
            headers={"Content-Type": "application/json"},
            denied_key="sync.denied",
        )

    def pull(self, after: int, limit: int, *, own: bool = False, wait: float = 0.0) -> PullOut:
        """``own``: also this kiosk's own events (after a restore, ``sync/recovery.py``).
        ``wait``: head office may hold the answer that long while nothing is new (a held
        pull, at most ``MAX_PULL_WAIT``); the read timeout is extended by as much."""
        params: dict[str, Any] = {"after": after, "limit": limit}
        if own:
            params["own"] = "true"
        extra: dict[str, Any] = {}
        if wait > 0:
            params["wait"] = min(wait, MAX_PULL_WAIT)
            extra["timeout"] = _extended(self._timeout, params["wait"])
        answer = self._send(
            "GET", API_PREFIX + "/sync/pull", params=params, denied_key="sync.denied", **extra
        )
        try:
            return PullOut.model_validate_json(answer)
        except PydanticError as e:
            raise unreadable("pull", e) from e


def _extended(timeout: float | tuple[float, float], wait: float) -> tuple[float, float]:
    """The client's (connect, read) timeouts with the read one lengthened by ``wait``."""
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    return connect, read + wait


def enroll(url: str, code: str, *, data_dir: Path | str, ca_bundle: str = "") -> Enrollment:
    """``kiosk enroll URL CODE``: the core's enrollment, through a client for ``url``; then the
    site's keys (badge, links, blind index, PIN pepper), through a client with the new token."""
    client = HeadOfficeClient(url, ca_bundle=ca_bundle)
    try:
        done = enrollment.enroll(client, code, data_dir=data_dir)
    finally:
        client.close()
    loaded = enrollment.load_enrollment(data_dir)
    assert loaded is not None, "enroll() has just written the enrollment"
    client = HeadOfficeClient(done.url, loaded[1], ca_bundle=ca_bundle)
    try:
        fetch_after_enrollment(client, database=Path(data_dir) / DATABASE_FILE, clock=SystemClock())
    finally:
        client.close()
    return done

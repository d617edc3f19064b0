"""The kiosk's head-office transport: how the sync worker (``sync/worker.py``) reaches it.

``Transport`` is the boundary (push a ``PushIn`` body, pull a page of changes), with the real
``HttpTransport`` and the in-process ``FakeTransport``; ``encode_push`` builds a push body
straight from outbox rows. Raises ``TransportError`` (retry) or ``DeniedError``.
"""

from __future__ import annotations

import gzip
import json
import logging
import sqlite3
import ssl
from collections.abc import Sequence
from typing import Protocol

import httpx

from kiosk.core.config.errors import DeniedError, TransportError

from .protocol import (
    API_PREFIX,
    PROTOCOL_VERSION,
    ChangeOut,
    EventIn,
    PullOut,
    PushIn,
    PushOut,
    RejectedEvent,
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


# -- the transport boundary ------------------------------------------------------------------
class Transport(Protocol):
    """How the worker reaches head office. Raises TransportError (retry) or DeniedError."""

    def push(self, body: bytes) -> PushOut:
        """Send a ``PushIn`` JSON document (uncompressed; the transport may compress it)."""
        ...

    def pull(self, after: int, limit: int) -> PullOut: ...


def tls_verify(ca_bundle: str = "") -> ssl.SSLContext | bool:
    """TLS verification for head office: the system CAs, or a private CA bundle. Never off.

    A CA bundle that cannot be loaded is a ``ConfigError`` (fix the settings), never a reason
    to connect unverified.
    """
    from kiosk.core.head_office.enrollment import verify_setting

    return verify_setting(ca_bundle)


class HttpTransport:
    """The real transport: HTTPS (or plain HTTP on loopback) with a kiosk token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        ca_bundle: str = "",
        timeout: float = 30.0,
        client: httpx.Client | None = None,
    ) -> None:
        from kiosk.core.head_office.enrollment import check_url

        self._client = client or httpx.Client(
            base_url=check_url(base_url), verify=tls_verify(ca_bundle), timeout=timeout
        )
        self._headers = {"Authorization": f"Bearer {token}"}

    def close(self) -> None:
        self._client.close()

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self._client.request(
                method,
                API_PREFIX + path,
                headers={**self._headers, **kwargs.pop("headers", {})},
                **kwargs,
            )
        except httpx.HTTPError as e:
            raise TransportError(f"head office unreachable: {e!r}") from e
        if response.status_code in (401, 403):
            raise DeniedError(
                f"head office refused this kiosk ({response.status_code}): {response.text[:200]}",
                key="sync.denied",
            )
        if response.status_code >= 400:
            raise TransportError(
                f"head office answered {response.status_code}: {response.text[:200]}"
            )
        return response

    def push(self, body: bytes) -> PushOut:
        raw = gzip.compress(body, compresslevel=3)
        response = self._send(
            "POST",
            "/sync/push",
            content=raw,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        return PushOut.model_validate_json(response.content)

    def pull(self, after: int, limit: int) -> PullOut:
        response = self._send("GET", "/sync/pull", params={"after": after, "limit": limit})
        return PullOut.model_validate_json(response.content)


class FakeTransport:
    """In-process head office for unit tests: acknowledges pushes, serves a change list."""

    def __init__(self) -> None:
        self.pushed: list[EventIn] = []
        self.feed: list[ChangeOut] = []
        self.reject: set[str] = set()
        self.fail_with: Exception | None = None
        self.drop_answers = False

    def push(self, body: bytes) -> PushOut:
        if self.fail_with is not None:
            raise self.fail_with
        request = PushIn.model_validate_json(body)
        known = {e.uuid for e in self.pushed}
        stored, duplicate, rejected = [], [], []
        for e in request.events:
            if e.uuid in self.reject:
                rejected.append(RejectedEvent(uuid=e.uuid, reason="rejected by the fake"))
            elif e.uuid in known:
                duplicate.append(e.uuid)
            else:
                self.pushed.append(e)
                known.add(e.uuid)
                stored.append(e.uuid)
        if self.drop_answers:
            stored, duplicate = stored[:-1], duplicate
        return PushOut(stored=stored, duplicate=duplicate, rejected=rejected, hlc="")

    def pull(self, after: int, limit: int) -> PullOut:
        if self.fail_with is not None:
            raise self.fail_with
        page = [c for c in self.feed if c.cursor > after][:limit]
        more = len([c for c in self.feed if c.cursor > after]) > limit
        return PullOut(changes=page, cursor=page[-1].cursor if page else after, more=more)

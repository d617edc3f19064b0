"""Request limits, enforced before any work: what a stranger or a hostile kiosk can make the
server hold in memory.

- Every request body: at most ``MAX_BODY_BYTES`` as received (``BodyLimit``, ASGI middleware:
  a ``Content-Length`` above it is answered 413 unread; a body without one is counted while
  it streams in and cut off at the limit).
- A push body (``read_push_body``, called only after the token is checked): inflated while it
  streams, at most ``MAX_INFLATED_BYTES`` and ``MAX_INFLATION_RATIO`` times its compressed
  size; at most ``MAX_JSON_VALUES`` JSON values (the parser holds ~60 bytes per value, so a
  body of ``[{},{},…]`` costs far more than its size); parsed on a worker thread, never on
  the event loop.
- Each pushed event: a payload of at most ``MAX_EVENT_PAYLOAD_BYTES`` (413 naming the event),
  no string longer than ``MAX_STRING_CHARS`` (422 naming the event and field). Known kinds are
  then checked field by field against their typed model (``folding.py``).
- A pull answer: at most ``MAX_PULL_BYTES`` of payloads, as well as a count
  (``pull_pages.read_page``).

Must never: read a body before the caller is authenticated, or echo a body back in an error.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from fastapi import HTTPException, Request

from .sealing import compact_json

# the ASGI types (starlette.types, spelled out: the server installs FastAPI, not starlette)
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the most bytes any request body may have as received (plain or compressed)
MAX_BODY_BYTES = 16 * 1024 * 1024
#: the most a push body may inflate to
MAX_INFLATED_BYTES = 16 * 1024 * 1024
#: the most a push body may inflate relative to its compressed size (beyond 1 MiB inflated)
MAX_INFLATION_RATIO = 100
_RATIO_FLOOR = 1024 * 1024
#: the most JSON values (objects, arrays and comma-separated items) in one push body
MAX_JSON_VALUES = 400_000
#: the most one event's payload may take as compact UTF-8 JSON
MAX_EVENT_PAYLOAD_BYTES = 64 * 1024
#: the longest string anywhere in a pushed payload (typed fields are shorter still)
MAX_STRING_CHARS = 4096
#: the most payload bytes one pull answer carries (at least one change always goes)
MAX_PULL_BYTES = 4 * 1024 * 1024


def too_large(detail: str) -> HTTPException:
    return HTTPException(413, detail=detail)


class BodyLimit:
    """ASGI middleware: no request body beyond ``limit`` bytes is ever read."""

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await _answer_413(send, f"request body over {self.limit} bytes")
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise too_large(f"request body over {self.limit} bytes")
            return message

        await self.app(scope, counted, send)


async def _answer_413(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def read_push_body(request: Request) -> bytes:
    """The push body, inflated when gzip, counted and bounded while it streams in."""
    gzipped = "gzip" in request.headers.get("content-encoding", "").lower()
    inflater = zlib.decompressobj(wbits=31) if gzipped else None
    raw_size = 0
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        raw_size += len(chunk)
        if raw_size > MAX_BODY_BYTES:
            raise too_large(f"request body over {MAX_BODY_BYTES} bytes")
        if inflater is not None:
            try:
                chunk = inflater.decompress(chunk, MAX_INFLATED_BYTES - size + 1)
            except zlib.error as e:
                raise HTTPException(400, detail=f"body is not valid gzip: {e}") from e
            if inflater.unconsumed_tail:
                raise too_large(f"inflated body over {MAX_INFLATED_BYTES} bytes")
        size += len(chunk)
        if size > MAX_INFLATED_BYTES:
            raise too_large(f"inflated body over {MAX_INFLATED_BYTES} bytes")
        if size > _RATIO_FLOOR and size > MAX_INFLATION_RATIO * raw_size:
            raise too_large(f"body inflates more than {MAX_INFLATION_RATIO}:1")
        parts.append(chunk)
    body = b"".join(parts)
    values = body.count(b",") + body.count(b"{") + body.count(b"[")
    if values > MAX_JSON_VALUES:
        raise too_large(f"body holds more than {MAX_JSON_VALUES} JSON values")
    return body


def _long_string(value: Any, path: str) -> str | None:
    """The path of the first string longer than ``MAX_STRING_CHARS`` (keys included)."""
    if isinstance(value, str):
        return path if len(value) > MAX_STRING_CHARS else None
    if isinstance(value, dict):
        for k, v in value.items():
            if len(k) > MAX_STRING_CHARS:
                return f"{path}.<key>"
            found = _long_string(v, f"{path}.{k}")
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _long_string(v, f"{path}[{i}]")
            if found:
                return found
    return None


def check_event_sizes(events: Iterable[Any], body_size: int) -> None:
    """413 for an over-sized payload, 422 for an over-long string, each naming the event.

    A payload whose whole JSON is at most ``MAX_STRING_CHARS`` bytes cannot hold a longer
    string (every character takes a byte at least): only a larger one is walked."""
    if body_size <= min(MAX_EVENT_PAYLOAD_BYTES, MAX_STRING_CHARS):
        return  # no event of a body this small can break either limit
    for i, event in enumerate(events):
        size = len(compact_json(event.payload))
        if size > MAX_EVENT_PAYLOAD_BYTES:
            raise too_large(
                f"event {event.uuid} (#{i}): payload of {size} bytes; "
                f"the most is {MAX_EVENT_PAYLOAD_BYTES}"
            )
        field = _long_string(event.payload, "payload") if size > MAX_STRING_CHARS else None
        if field:
            raise HTTPException(
                422,
                detail=f"event {event.uuid} (#{i}): {field} is longer than "
                f"{MAX_STRING_CHARS} characters",
            )

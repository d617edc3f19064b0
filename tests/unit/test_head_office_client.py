"""The head-office client's one status→error mapping, over real HTTP on loopback.

A small stdlib server on 127.0.0.1 answers what each test programs, so every class of answer
and of network failure goes through the real ``requests`` stack of ``HeadOfficeClient``.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk.core.config.errors import (
    DeniedError,
    KioskError,
    NotFoundError,
    TransportError,
    ValidationError,
)
from kiosk.core.keys.hierarchy import KeyPurpose
from sync.client import HeadOfficeClient
from sync.errors import error_for


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int]


@dataclass
class Stub:
    """What to answer: (status, body, headers); ``delay`` seconds first; ``drop`` hangs up."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    seen: list[Seen] = field(default_factory=list)

    def answer(self, status: int, body: object, **headers: str) -> None:
        self.status, self.headers = status, headers
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    plan = Stub()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse can be seen

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            plan.seen.append(
                Seen(
                    self.command,
                    self.path,
                    dict(self.headers),
                    self.rfile.read(length),
                    self.client_address,
                )
            )
            if plan.delay:
                time.sleep(plan.delay)
            if plan.drop:
                self.close_connection = True
                return
            self.send_response(plan.status)
            for k, v in plan.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(plan.body)))
            self.end_headers()
            self.wfile.write(plan.body)

        do_GET = do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield plan, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (301, TransportError),
        (307, TransportError),
        (400, ValidationError),
        (401, DeniedError),
        (403, DeniedError),
        (404, NotFoundError),
        (405, ValidationError),
        (408, TransportError),
        (409, ValidationError),
        (413, ValidationError),
        (422, ValidationError),
        (425, TransportError),
        (429, TransportError),
        (500, TransportError),
        (502, TransportError),
        (503, TransportError),
        (504, TransportError),
        (101, TransportError),
    ],
)
def test_every_class_of_status_has_one_error(status: int, error: type[KioskError]) -> None:
    got = error_for(status, '{"detail": "the reason"}', location="/x", denied_key="sync.denied")
    assert type(got) is error
    assert str(status) in str(got)
    if error is DeniedError:
        assert got.message_key == "sync.denied"
    if status < 300 or status >= 400:
        assert "the reason" in str(got)


def test_reasons_are_read_from_fastapi_errors() -> None:
    detail = {"detail": [{"loc": ["body", "events", 0, "uuid"], "msg": "String too long"}]}
    got = error_for(422, json.dumps(detail), denied_key="sync.denied")
    assert isinstance(got, ValidationError)
    assert "body.events.0.uuid: String too long" in str(got)
    assert "<html>bad gateway" in str(error_for(502, "<html>bad gateway", denied_key="x"))


def test_answers_through_the_client(stub) -> None:
    plan, url = stub
    client = HeadOfficeClient(url, "kt_x")
    plan.answer(401, {"detail": "revoked"})
    with pytest.raises(DeniedError) as denied:
        client.pull(0, 10)
    assert denied.value.message_key == "sync.denied" and "revoked" in str(denied.value)
    with pytest.raises(DeniedError) as denied:
        client.enroll("K7QM-2XTP-9HRD")
    assert denied.value.message_key == "enroll.denied"
    plan.answer(404, {"detail": "no master secret"})
    with pytest.raises(NotFoundError, match="no master secret"):
        client.fetch_keys()
    plan.answer(422, {"detail": "too many events"})
    with pytest.raises(ValidationError, match="too many events"):
        client.push(b'{"events": []}')
    plan.answer(503, {"detail": "busy"})
    with pytest.raises(TransportError, match="503"):
        client.pull(0, 10)
    plan.answer(200, b"<html>captive portal</html>")
    for call in (lambda: client.pull(0, 10), client.fetch_keys, lambda: client.enroll("c")):
        with pytest.raises(TransportError, match=r"not readable|no usable keys"):
            call()
    client.close()


def test_a_redirect_is_not_followed_and_the_token_stays_home(stub) -> None:
    plan, url = stub
    client = HeadOfficeClient(url, "kt_x")
    plan.answer(302, b"", Location="https://elsewhere.example/api/v1/sync/pull")
    with pytest.raises(TransportError, match=r"elsewhere\.example"):
        client.pull(0, 10)
    assert len(plan.seen) == 1  # never followed
    client.close()


def test_push_is_gzipped_with_the_token_and_connections_are_reused(stub) -> None:
    plan, url = stub
    client = HeadOfficeClient(url, "kt_x")
    plan.answer(200, {"stored": ["e1"], "duplicate": [], "rejected": [], "hlc": "h"})
    body = b'{"protocol":1,"events":[]}'
    for _ in range(3):
        assert client.push(body).stored == ["e1"]
    plan.answer(200, {"changes": [], "cursor": 7, "more": False})
    assert client.pull(7, 100).cursor == 7
    first = plan.seen[0]
    assert first.method == "POST" and first.path == "/api/v1/sync/push"
    assert first.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(first.body) == body
    assert first.headers["Authorization"] == "Bearer kt_x"
    assert plan.seen[-1].path == "/api/v1/sync/pull?after=7&limit=100"
    assert len({s.peer for s in plan.seen}) == 1, "each request opened its own connection"
    client.close()


def test_enrollment_sends_no_token(stub) -> None:
    plan, url = stub
    plan.answer(
        200,
        {
            "kiosk_id": "k1",
            "site_id": "demo",
            "site_name_zh": "示范",
            "site_name_en": "Demo",
            "site_timezone": "Asia/Shanghai",
            "token": "kt_new",
        },
    )
    answer = HeadOfficeClient(url).enroll("K7QM")
    assert (answer.kiosk_id, answer.token) == ("k1", "kt_new")
    assert "kt_new" not in repr(answer)
    assert "Authorization" not in plan.seen[0].headers
    assert json.loads(plan.seen[0].body) == {"code": "K7QM"}


def test_the_site_keys_answer_is_parsed(stub) -> None:
    plan, url = stub
    client = HeadOfficeClient(url, "kt_x")
    plan.answer(
        200,
        {
            "public_url": "https://ho.example",
            "keys": [
                {"purpose": "reply-link", "version": 2, "key": "ab" * 32},
                {"purpose": "a-later-purpose", "version": 1, "key": "cd" * 32},
            ],
        },
    )
    got = client.fetch_keys()
    assert plan.seen[0].path == "/api/v1/sync/keys"
    assert plan.seen[0].headers["Authorization"] == "Bearer kt_x"
    assert got.public_url == "https://ho.example"
    assert list(got.keys) == [KeyPurpose.REPLY_LINK]  # a purpose it does not know is skipped
    assert got.keys[KeyPurpose.REPLY_LINK].version == 2
    assert "ab" not in repr(got.keys[KeyPurpose.REPLY_LINK])  # never the key in a log line
    for body in (
        {"keys": [{"purpose": "reply-link", "version": 1, "key": "short"}]},
        {"key": "ab" * 32},
    ):
        plan.answer(200, body)
        with pytest.raises(TransportError, match="no usable keys"):
            client.fetch_keys()
    client.close()


def test_network_failures_are_transport_errors(stub) -> None:
    plan, url = stub
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(TransportError, match="cannot reach head office"):
        HeadOfficeClient(closed, "kt_x").pull(0, 10)
    plan.answer(200, {"changes": [], "cursor": 0, "more": False})
    plan.delay = 1.0
    slow = HeadOfficeClient(url, "kt_x", timeout=(2.0, 0.2))
    started = time.monotonic()
    with pytest.raises(TransportError, match="did not answer in time"):
        slow.pull(0, 10)
    assert time.monotonic() - started < 0.9
    plan.delay, plan.drop = 0.0, True
    with pytest.raises(TransportError, match="cannot reach head office"):
        slow.pull(0, 10)
    slow.close()

"""Real loopback receivers for the notification tests: an SMTP server, a webhook, black holes."""

from __future__ import annotations

import email
import json
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server received, decoded."""

    messages: list[EmailMessage] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope):
        import time

        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.arrived:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.received_at.append(time.perf_counter())
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.arrived:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, address: str, count: int = 1, timeout: float = 20.0) -> list[EmailMessage]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.to_locked(address)) >= count, timeout)
            return self.to_locked(address)

    def to_locked(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


class SmtpServer:
    """aiosmtpd on loopback, as a mail relay would be."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def url(self, to: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=kiosk@example.com&to={to}"


class WebhookServer:
    """A JSON webhook receiver (what WeCom/DingTalk/Feishu/Slack bots look like to apprise)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self.arrived = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with outer.arrived:
                    outer.received.append((self.path, json.loads(body.decode("utf-8"))))
                    outer.arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> WebhookServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0) -> list[dict]:
        with self.arrived:
            self.arrived.wait_for(
                lambda: len([b for p, b in self.received if p == path]) >= count, timeout
            )
            return [b for p, b in self.received if p == path]


class BlackHole:
    """A port that accepts connections (kernel backlog) and never says a word."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]

    def close(self) -> None:
        self._sock.close()


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    return free_port()


class SmsGateway:
    """An HTTP SMS gateway on loopback (what apprise's ``json://`` posts to): records each
    POST's JSON body; answers ``status`` (set 503 to take it "down")."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.refused = 0
        self.status = 200
        self.arrived = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.arrived:
                    status = outer.status
                    if status == 200:
                        outer.received.append(json.loads(body.decode("utf-8")))
                    else:
                        outer.refused += 1
                    outer.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status == 200 else b'{"error": "down"}')

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> SmsGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def template(self) -> str:
        """``[notify] sms_gateway`` for this gateway: the number in the JSON body's ``to``."""
        return f"json://127.0.0.1:{self.port}/sms?:to={{mobile}}"

    def wait_for(self, count: int = 1, timeout: float = 20.0) -> list[dict]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

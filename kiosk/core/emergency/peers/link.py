"""The peer link: a small server and a sender, two workers speaking frames over TCP.

A frame on the wire is its length (4 bytes, big-endian) then the sealed bytes
(``sealing``). The sender connects to each configured peer in turn, sends this kiosk's state
and reads the peer's state back: one exchange moves both ways. It runs every
``[emergency] interval`` seconds while an emergency is under way, ``idle_interval`` while none
is, and at once when the emergency changes (``wake``). The server takes one connection at a
time (a site has a handful of kiosks): read a frame, take it, answer with this kiosk's state.
Timeouts bound every read, so a peer that goes silent holds nothing up for long.
"""

from __future__ import annotations

import logging
import select
import socket
import struct
from collections.abc import Callable

from kiosk.core.config.clock import Clock
from kiosk.core.emergency.peers.exchange import PeerExchange
from kiosk.core.emergency.peers.sealing import MAX_FRAME, Refused
from kiosk.core.workers.worker import Worker

log = logging.getLogger(__name__)

_LENGTH = struct.Struct(">I")
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 3.0


def parse_address(text: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too); ``ValueError`` when it is not one."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"a peer address is host:port, got {text!r}")
    return host.strip("[]"), int(port)


def write_frame(sock: socket.socket, data: bytes) -> None:
    sock.sendall(_LENGTH.pack(len(data)) + data)


def read_frame(sock: socket.socket) -> bytes:
    head = _read(sock, _LENGTH.size)
    (length,) = _LENGTH.unpack(head)
    if length > MAX_FRAME:
        raise Refused(f"a frame of {length} bytes (most {MAX_FRAME})")
    return _read(sock, length)


def _read(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(65536, n - got))
        if not chunk:
            raise Refused("garbage: the connection closed mid-frame")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


class PeerServer(Worker):
    """Listens on ``[emergency] listen``; each round takes at most one connection."""

    def __init__(self, *, exchange: PeerExchange, listen: str, clock: Clock) -> None:
        super().__init__(name="emergency-peer-server", clock=clock)
        self.exchange = exchange
        host, port = parse_address(listen)
        self.sock = socket.create_server((host, port), reuse_port=False)
        self.sock.setblocking(False)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.sock.getsockname()[:2]
        return str(host), int(port)

    def due_in(self) -> float | None:
        return 0.0  # the round waits in select, not on the clock

    def run_once(self) -> bool:
        ready, _, _ = select.select([self.sock], [], [], 0.25)
        if not ready:
            return False
        try:
            conn, addr = self.sock.accept()
        except BlockingIOError:
            return False
        with conn:
            conn.setblocking(True)
            conn.settimeout(READ_TIMEOUT)
            source = f"{addr[0]}:{addr[1]}"
            try:
                frame = read_frame(conn)
            except Refused as e:
                self.exchange._refuse(source, e.reason)
                return True
            except OSError as e:
                log.info("peer %s: %s", source, e)
                return True
            answer = None
            if self.exchange.incoming(frame, source):
                answer = self.exchange.outgoing()
            try:
                write_frame(conn, answer or b"")  # empty: refused (the sender logs it)
            except OSError as e:
                log.info("peer %s: answer not sent: %s", source, e)
        return True

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        self.sock.close()


class PeerSender(Worker):
    """Sends this kiosk's state to every configured peer, then every discovered one
    (``discovery``), and takes each one's answer."""

    def __init__(
        self,
        *,
        exchange: PeerExchange,
        peers: tuple[str, ...],
        clock: Clock,
        interval: float,
        idle_interval: float,
        discovered: Callable[[], list[tuple[str, int]]] = list,
    ) -> None:
        super().__init__(name="emergency-peer-sender", clock=clock)
        self.exchange = exchange
        self.peers = [parse_address(p) for p in peers]
        self.discovered = discovered
        self.interval = interval
        self.idle_interval = idle_interval
        self._reachable: dict[tuple[str, int], bool] = {}
        exchange.mode.on_change(lambda _incident: self.wake())

    def due_in(self) -> float | None:
        return self.interval if self.exchange.mode.active else self.idle_interval

    def targets(self) -> list[tuple[str, int]]:
        """The configured peers, then the discovered ones not among them."""
        return self.peers + [p for p in self.discovered() if p not in self.peers]

    def run_once(self) -> bool:
        for peer in self.targets():
            if self.stopping:
                break
            frame = self.exchange.outgoing()  # fresh per peer: each stamp is sent once
            if frame is None:
                log.debug("no peer key yet: nothing shared with the site's kiosks")
                return False
            self._exchange(peer, frame)
        return False

    def _exchange(self, peer: tuple[str, int], frame: bytes) -> None:
        source = f"{peer[0]}:{peer[1]}"
        try:
            with socket.create_connection(peer, timeout=CONNECT_TIMEOUT) as sock:
                sock.settimeout(READ_TIMEOUT)
                write_frame(sock, frame)
                answer = read_frame(sock)
        except Refused as e:
            self.exchange._refuse(source, e.reason)
            return
        except OSError as e:
            self._note(peer, False, str(e))
            return
        self._note(peer, True, "")
        if not answer:
            log.warning("peer %s refused this kiosk's message (see its log)", source)
            return
        self.exchange.incoming(answer, source)

    def _note(self, peer: tuple[str, int], ok: bool, problem: str) -> None:
        if self._reachable.get(peer) != ok:
            if ok:
                log.info("peer %s:%d reachable", *peer)
            else:
                log.warning("peer %s:%d unreachable: %s", peer[0], peer[1], problem)
        self._reachable[peer] = ok

"""Issue 12, item 2: request limits before work, against a real ``kiosk-server`` (SQLite).

What the attacker gets (the status) and what everyone else keeps: the server's resident
memory grows by less than ``RSS_GROWTH_LIMIT_MB`` across every oversized request, and another
site's kiosks still sync every event afterwards. Limits: ``sync/server/limits.py``.
"""

from __future__ import annotations

import gzip
import json
import select
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hostile_env import API, HostileEnv, hostile_sqlite_fixture  # noqa: F401  (fixture)

from sync.server import limits

pytestmark = pytest.mark.integration

#: the most the server's RSS may grow over all the oversized requests of one test
RSS_GROWTH_LIMIT_MB = 100


def _event(kind: str = "lab.note", payload: dict | None = None) -> dict:
    return {
        "uuid": uuid.uuid4().hex,
        "kind": kind,
        "entity_id": "e1",
        "occurred_at": datetime.now(UTC).isoformat(),
        "payload": payload or {},
    }


def _body(events: list[dict]) -> bytes:
    return json.dumps({"protocol": 1, "events": events}).encode()


def _raw_push(env: HostileEnv, head: dict[str, str], chunks: Iterator[bytes]) -> tuple[int, int]:
    """A chunked POST on a raw socket, sent until the server answers: (status, bytes sent)."""
    host, port = env.server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    lines = [f"POST {API}/sync/push HTTP/1.1", f"Host: {host}", "Transfer-Encoding: chunked"]
    lines += [f"{k}: {v}" for k, v in head.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    sent = 0
    answer = b""
    try:
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += len(chunk)
        else:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        while b"\r\n" not in answer:
            part = sock.recv(4096)
            if not part:
                break
            answer += part
    finally:
        sock.close()
    return int(answer.split(b" ", 2)[1]), sent


def _repeat(piece: bytes, total: int, size: int = 1 << 20) -> Iterator[bytes]:
    block = piece * (size // len(piece))
    for _ in range(total // len(block)):
        yield block


def test_an_anonymous_body_is_never_read(hostile_sqlite: HostileEnv) -> None:
    env = hostile_sqlite
    before = env.rss_kb()
    status, sent = _raw_push(env, {}, _repeat(b"[{},", 600 << 20))
    assert status == 401
    assert sent < 100 << 20, sent  # answered long before 600 MB went out
    # a declared length above the limit is refused unread, token or not
    r = env.http.post(
        f"{API}/sync/push",
        content=b"x" * (limits.MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert (env.rss_kb() - before) / 1024 < RSS_GROWTH_LIMIT_MB
    env.bystanders_sync()


def test_oversized_and_inflating_bodies_get_413(hostile_sqlite: HostileEnv) -> None:
    env = hostile_sqlite
    k = env.kiosk(env.new_site(), "k")
    auth = env.auth(k)
    before = env.rss_kb()
    # a plain body streamed without a length, past the limit
    status, sent = _raw_push(env, auth, _repeat(b"[{},", 600 << 20))
    assert status == 413 and sent < 100 << 20
    # the 64 KB gzip body that inflated to 63 MB of [{},…]
    bomb = gzip.compress(b'{"events":[' + b"{}," * (21 << 20) + b"{}]}", 9)
    assert len(bomb) < 128 * 1024
    r = env.http.post(
        f"{API}/sync/push", content=bomb, headers={**auth, "Content-Encoding": "gzip"}
    )
    assert r.status_code == 413, r.text
    # under the inflated limit, but inflating more than 100:1
    dense = gzip.compress(_body([_event(payload={"n": " " * 4000})] * 300), 9)
    r = env.http.post(
        f"{API}/sync/push", content=dense, headers={**auth, "Content-Encoding": "gzip"}
    )
    assert r.status_code == 413 and "100:1" in r.text, r.text
    # plain, under 16 MiB, but millions of tiny values (each costs the parser ~60 bytes)
    r = env.http.post(
        f"{API}/sync/push", content=b'{"events":[' + b"{}," * (4 << 20) + b"{}]}", headers=auth
    )
    assert r.status_code == 413 and "JSON values" in r.text, r.text
    # not gzip at all, and not UTF-8
    r = env.http.post(
        f"{API}/sync/push", content=b"\x1f\x8bnope", headers={**auth, "Content-Encoding": "gzip"}
    )
    assert r.status_code == 400
    r = env.http.post(f"{API}/sync/push", content=b'{"events":[{"uuid":"\xff\xfe"}]}', headers=auth)
    assert r.status_code == 422, r.text
    grown = (env.rss_kb() - before) / 1024
    assert grown < RSS_GROWTH_LIMIT_MB, grown
    env.bystanders_sync()


def test_event_payload_and_string_limits_name_the_event(hostile_sqlite: HostileEnv) -> None:
    env = hostile_sqlite
    k = env.kiosk(env.new_site(), "k")
    auth = env.auth(k)
    big = _event(payload={f"k{i}": "x" * 1000 for i in range(70)})  # ~70 KB, strings short
    r = env.http.post(f"{API}/sync/push", content=_body([_event(), big]), headers=auth)
    assert r.status_code == 413 and big["uuid"] in r.text and "#1" in r.text, r.text
    long = _event(payload={"note": {"text": "x" * (limits.MAX_STRING_CHARS + 1)}})
    r = env.http.post(f"{API}/sync/push", content=_body([long]), headers=auth)
    assert r.status_code == 422 and long["uuid"] in r.text and "payload.note.text" in r.text
    # the largest accepted: a payload just under 64 KiB, 250 of them in one ~15.6 MiB body
    fits = {f"k{i}": "x" * 4000 for i in range(16)}
    events = [_event(payload=fits) for _ in range(250)]
    body = _body(events)
    assert limits.MAX_BODY_BYTES - (1 << 20) < len(body) < limits.MAX_BODY_BYTES
    before = env.rss_kb()
    r = env.http.post(f"{API}/sync/push", content=body, headers=auth)
    assert r.status_code == 200 and len(r.json()["stored"]) == 250, r.text[:300]
    assert (env.rss_kb() - before) / 1024 < 2 * RSS_GROWTH_LIMIT_MB  # measured: 49 MB


def test_pull_is_bounded_by_bytes(hostile_sqlite: HostileEnv) -> None:
    env = hostile_sqlite
    site = env.new_site()
    k = env.kiosk(site, "k")
    for i in range(6):  # six 1.5 MB settings documents
        doc = {
            "revision": i,
            "blob": [str(j) * 10 for j in range(150_000)][:1] * 1 + ["y" * 1_500_000],
        }
        r = env.http.put(f"{API}/sites/{site}/settings", json=doc, headers=env.admin)
        assert r.status_code == 200, r.text[:200]
    cursor, pages = 0, []
    while True:
        r = env.http.get(
            f"{API}/sync/pull", params={"after": cursor, "limit": 1000}, headers=env.auth(k)
        )
        assert r.status_code == 200
        page = r.json()
        pages.append(len(r.content))
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert len(pages) >= 3 and max(pages) < limits.MAX_PULL_BYTES + 2_000_000, pages
    assert k.client.sync_once().pulled >= 6

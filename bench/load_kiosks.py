"""``sync_load``'s simulated kiosks (``bench_load.py``): each does what the sync worker does,
over plain HTTP/1.1 keep-alive connections from one asyncio loop per generator process (no
client library's pool to scan), and records what it measured.

A busy morning's check-ins (a push of one or two visit events, exponential gaps of
``CHECKIN_GAP`` s on average; every visitor a person of their own, phone included) and, for
four kiosks in five, a held pull (``?wait=15``) kept open the whole time; the fifth pulls
plainly every ``ROUND`` s. Latency is recorded for the requests answered at once (pushes,
plain pulls) and, for the held pulls, the delay from a push's answer at one kiosk to the
delivery of its change at the site's other kiosks; the loop's own CPU share is returned, to
show the generators are not the limit.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.bench_sync import _visit_events

KIOSKS_PER_SITE = 5
#: the measured seconds (the sweep's other knobs: ``bench_load.py``)
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
#: kiosks start over this many seconds (connections opened gradually, as kiosks boot)
RAMP = 10.0
CHECKIN_GAP = 120.0
ROUND = 15.0
WAIT = 15


class Connection:
    """One keep-alive HTTP/1.1 connection, reopened after a failure or when idle longer than
    uvicorn keeps it (5 s; what urllib3's check for a dropped connection does for a kiosk)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.used = 0.0

    async def request(self, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
        if self.streams is not None and time.monotonic() - self.used > 4.0:
            self.streams[1].close()
            self.streams = None
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        try:
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.split(b"\r\n")
            status = int(lines[0].split()[1])
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            answer = await reader.readexactly(length)
            self.used = time.monotonic()
            return status, answer
        except BaseException:
            writer.close()
            self.streams = None
            raise


async def _kiosks(ports: list[int], kiosks: list[tuple[int, str, str, str]]) -> dict[str, Any]:
    lat: dict[str, list[float]] = {"push": [], "pull_nothing_new": [], "pull_changes": []}
    delivery: list[float] = []
    errors: list[str] = []
    held = {"answered_with_changes": 0, "timed_out": 0}
    committed: dict[str, float] = {}  # entity -> wall time its push was answered
    started = time.perf_counter()
    deadline = started + SECONDS
    start = datetime.now(UTC)

    async def pause(seconds: float) -> None:
        """Sleep, but never past the end of the run."""
        await asyncio.sleep(max(0.0, min(seconds, deadline - time.perf_counter())))

    def head(method: str, path: str, token: str, extra: bytes = b"") -> bytes:
        return (
            f"{method} {path} HTTP/1.1\r\nHost: ho\r\nAuthorization: Bearer {token}\r\n".encode()
            + extra
        )

    async def pusher(index: int, kid: str, site: str, token: str, port: int) -> None:
        rng = random.Random(index)
        conn = Connection(port)
        extra = b"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
        counter = 0
        await pause(rng.uniform(0, RAMP) + rng.expovariate(1 / CHECKIN_GAP))
        while time.perf_counter() < deadline:
            events: list[dict[str, Any]] = []
            for kind, entity, payload in _visit_events(rng.randint(1, 2), site, kid, start):
                counter += 1
                if "visitor" in payload:
                    # a person of this kiosk's own (another site's is refused), with a phone
                    # of their own: ``_visit_events`` numbers phones from 0 in every call, so
                    # every visitor of a site had one of the same two, and each check-in was a
                    # "two open visits" conflict with every open visit before it
                    person = f"{kid}-p{counter}"
                    payload["visitor"]["id"] = payload["visit"]["visitor_id"] = person
                    payload["visitor"]["phone"] = f"1{index * 100_000 + counter:010d}"
                ms = int(time.time() * 1000)
                events.append(
                    {
                        "uuid": uuid.uuid4().hex,
                        "kind": kind,
                        "entity_id": entity,
                        "occurred_at": start.isoformat(),
                        "hlc": f"{ms:013d}{counter:06d}-{kid}",
                        "payload": payload,
                    }
                )
            body = gzip.compress(json.dumps({"protocol": 1, "events": events}).encode(), 3)
            t0 = time.perf_counter()
            try:
                status, raw = await conn.request(
                    head("POST", "/api/v1/sync/push", token, extra), body
                )
                lat["push"].append(time.perf_counter() - t0)
                if status != 200:
                    errors.append(f"push {status}")
                elif refused := json.loads(raw)["rejected"]:
                    errors.append(f"rejected {refused[0]['reason'][:40]}")
                now = time.time()
                for e in events:
                    committed[e["entity_id"]] = now
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                errors.append(f"push {e!r}")
            await pause(rng.expovariate(1 / CHECKIN_GAP))

    async def puller(index: int, kid: str, site: str, token: str, port: int) -> None:
        rng = random.Random(-index - 1)
        conn = Connection(port)
        holding = index % 5 != 0
        cursor = 0
        await pause(rng.uniform(0, RAMP))
        while time.perf_counter() < deadline:
            wait = f"&wait={WAIT}" if holding else ""
            t0 = time.perf_counter()
            try:
                status, raw = await conn.request(
                    head("GET", f"/api/v1/sync/pull?after={cursor}&limit=500{wait}", token)
                )
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                errors.append(f"pull {e!r}")
                await pause(1.0)
                continue
            took = time.perf_counter() - t0
            if status != 200:
                errors.append(f"pull {status}")
                await pause(1.0)
                continue
            page = json.loads(raw)
            now = time.time()
            if wait:
                held["answered_with_changes" if page["changes"] else "timed_out"] += 1
                for c in page["changes"]:
                    if (at := committed.get(c["entity_id"])) is not None:
                        delivery.append(now - at)
            else:
                lat["pull_changes" if page["changes"] else "pull_nothing_new"].append(took)
            cursor = page["cursor"]
            if not holding and not page["more"]:
                await pause(rng.uniform(0.5, 1.5) * ROUND)

    cpu = time.process_time()
    await asyncio.gather(
        *(pusher(i, kid, site, token, ports[i % len(ports)]) for i, kid, site, token in kiosks),
        *(puller(i, kid, site, token, ports[i % len(ports)]) for i, kid, site, token in kiosks),
    )
    wall = time.perf_counter() - started
    return {
        "latencies": lat,
        "delivery": delivery,
        "errors": errors,
        "held": held,
        "cpu_share": (time.process_time() - cpu) / wall,
    }


def _generate(ports: list[int], kiosks: list[tuple[int, str, str, str]]) -> dict[str, Any]:
    return asyncio.run(_kiosks(ports, kiosks))

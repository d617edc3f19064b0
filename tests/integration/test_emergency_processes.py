"""Three kiosk processes of one site on loopback, peers configured, head office stopped: a drill
started on A switches B and C within ``SWITCH_BUDGET``; a visitor checked in on A is on B's
roll call; B's mark shows on A; a forged peer message is refused. Head office started again
receives every entry of the incident exactly once and folds the same incident."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from kiosk.core.emergency.peers import messages
from kiosk.core.emergency.peers.sealing import seal
from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey
from sync.client import enroll
from tests.support.harness import HeadOffice, ServerProcess, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
#: from "start" on A to B and C in emergency mode, on this 2-core machine (measured ~0.1 s)
SWITCH_BUDGET = 2.0


class Kiosk:
    def __init__(
        self, name: str, data: Path, env: dict[str, str], prefix: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        data.mkdir(parents=True, exist_ok=True)
        self.log = open(data / "child.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(  # prefix: e.g. nsenter, to run it in a network namespace
            [*prefix, sys.executable, "-m", "tests.support.emergency_child"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        hello = self.ask_raw()
        assert hello["ready"], hello
        self.kiosk_id = hello["kiosk_id"]

    def ask_raw(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"kiosk {self.name} ended"
        return json.loads(line)

    def ask(self, do: str, **kw: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"do": do, **kw}) + "\n")
        self.proc.stdin.flush()
        return self.ask_raw()

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(AssertionError, BrokenPipeError, ValueError):
                self.ask("quit")
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        self.log.close()


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def _wait(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_three_kiosks_share_a_drill_with_head_office_down(tmp_path: Path) -> None:
    ho = HeadOffice(f"sqlite:///{tmp_path / 'head-office.sqlite3'}")
    site = "s" + uuid.uuid4().hex[:8]
    ho.add_site(site, "示范大厦", "Demo Tower")
    server = ServerProcess(ho.database_url, log_path=tmp_path / "server.log").start()
    kiosks: list[Kiosk] = []
    http = None
    try:
        http = httpx.Client(
            base_url=f"{server.url}/api/v1",
            headers={"Authorization": f"Bearer {ho.add_admin('alice')}"},
            timeout=30,
        )
        dept = {"site_id": site, "name_zh": "研发部", "name_en": "R&D", "floor": "5"}
        _ok(http.put(f"/departments/{site}-rnd", json=dept))
        host = {"site_id": site, "department_id": f"{site}-rnd", "name_zh": "李娜"}
        _ok(http.put(f"/hosts/{site}-h1", json={**host, "name_en": "Li Na"}))
        ports = {name: free_port() for name in "abc"}
        for name in "abc":
            made = _ok(http.post("/kiosks", json={"site_id": site, "name": f"lobby-{name}"}))
            data = tmp_path / name
            enroll(server.url, made["enrollment_code"], data_dir=data)
            env = {
                "KIOSK_KIOSK_DATA_DIR": str(data),
                "KIOSK_PRINTER_OUT_DIR": str(data / "badges"),
                "KIOSK_EMERGENCY_LISTEN": f"127.0.0.1:{ports[name]}",
                "KIOSK_EMERGENCY_PEERS": ",".join(
                    f"127.0.0.1:{ports[o]}" for o in "abc" if o != name
                ),
                "KIOSK_EMERGENCY_DISCOVERY": "false",  # the peer list alone
                "KIOSK_EMERGENCY_INTERVAL": "0.5",
                "KIOSK_EMERGENCY_IDLE_INTERVAL": "2",
            }
            kiosks.append(Kiosk(name, data, env))
        a, b, c = kiosks
        for k in kiosks:
            k.ask("sync")  # the directory
            assert k.ask("state")["has_key"], "the site's peer key came with enrollment"
        server.stop()  # head office down from here on

        visit_id = a.ask("checkin", name="王芳", phone="13812340001")["visit_id"]
        started_at = a.ask("start", drill=True)["started_at"]
        _wait(lambda: all(k.ask("state")["active"] for k in (b, c)), timeout=10)
        switch = max(k.ask("state")["first_change_at"] - started_at for k in (b, c))
        print(f"switch time on the peers: {switch * 1000:.0f} ms")
        assert switch < SWITCH_BUDGET
        _wait(lambda: a.ask("state")["switched"] == sorted(k.kiosk_id for k in kiosks))

        # A's visitor on B's roll call (B's store never had the visit: head office is down)
        def on_b() -> list[dict[str, Any]]:
            return [x for x in b.ask("rollcall")["lines"] if x["person_id"] == visit_id]

        _wait(lambda: bool(on_b()))
        assert on_b()[0]["name"] == "王芳"
        b.ask("mark", person_id=visit_id, status="accounted")

        def on_a() -> str:
            return next(
                x["status"] for x in a.ask("rollcall")["lines"] if x["person_id"] == visit_id
            )

        _wait(lambda: on_a() == "accounted")

        # a forged message: sealed with a key that is not the site's
        forged = messages.PeerState(
            site_id=site,
            kiosk_id="intruder",
            stamp=f"{int(time.time() * 1000):013d}000000-x",
            entries=[],
            roster=[],
        )
        frame = seal(SiteKey(KeyPurpose.PEER, 1, b"\x01" * 32), site, messages.encode(forged))
        before = b.ask("refused")["refused"]
        with socket.create_connection(("127.0.0.1", ports["b"]), timeout=3) as sock:
            sock.sendall(struct.pack(">I", len(frame)) + frame)
            (length,) = struct.unpack(">I", sock.recv(4))
        assert length == 0  # refused: answered with nothing
        assert b.ask("refused")["refused"] == before + 1

        # head office back: every entry reaches it once, from the kiosk that made it
        server.start()
        for k in kiosks:
            for _ in range(3):
                k.ask("sync")
        held = set(a.ask("entries")["entries"])
        assert held == set(b.ask("entries")["entries"]) == set(c.ask("entries")["entries"])
        engine = create_engine(ho.database_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT entity_id, count(*) FROM events WHERE kind LIKE 'emergency.%' "
                    "GROUP BY entity_id"
                )
            ).all()
        engine.dispose()
        assert {r[0] for r in rows} == held
        assert all(r[1] == 1 for r in rows), rows
        # and folds them into the incident every kiosk shows
        (incident,) = _ok(http.get(f"/sites/{site}/incidents"))
        assert incident["drill"] and incident["emergency"] == "fire"
        assert incident["started_on"] == a.kiosk_id and incident["ended_at"] is None
        assert set(incident["switched"]) == {k.kiosk_id for k in kiosks}
        assert incident["marks"][visit_id]["status"] == "accounted"
        assert incident["marks"][visit_id]["kiosk_id"] == b.kiosk_id
        assert incident["entries"] == len(held)
        for k in kiosks:  # pushed again: nothing doubles
            k.ask("sync")
        assert _ok(http.get(f"/sites/{site}/incidents"))[0]["entries"] == len(held)
    finally:
        for k in kiosks:
            k.close()
        if http is not None:
            http.close()
        server.stop()
        ho.close()

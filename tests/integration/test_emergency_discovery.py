"""Two kiosk processes of one site find each other by zeroconf alone: no peers configured, no
head office. They run inside a network namespace this test creates (its loopback only, with
multicast on), so no advertisement reaches another network. A drill started on A switches B;
an impostor advertising itself as a kiosk of the site is found, exchanged with, and refused
by the peer key: it opens none of the kiosks' frames and they take none of its; a kiosk of
another site advertising on the same network is never exchanged with."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.integration.test_emergency_processes import ROOT, SWITCH_BUDGET, Kiosk, _wait

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PEER_KEY = "1:" + "3c" * 32
PORTS = {"a": 7410, "b": 7411}  # the namespace is new: nothing else listens there
IMPOSTOR_PORT = 7499
OTHER_SITE_PORT = 7498


@pytest.fixture
def netns() -> tuple[str, ...]:
    """A new network namespace (loopback up, multicast on), as an ``nsenter`` prefix."""
    try:
        holder = subprocess.Popen(
            [
                "unshare",
                "--net",
                "sh",
                "-c",
                "ip link set lo up && ip link set lo multicast on && echo ready && exec sleep 600",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    except FileNotFoundError:
        pytest.skip("unshare (util-linux) is not installed")
    assert holder.stdout is not None
    if holder.stdout.readline().strip() != "ready":
        holder.wait(5)
        pytest.skip(f"no network namespace here (needs root): {holder.stderr.read().strip()}")
    try:
        yield ("nsenter", f"--net=/proc/{holder.pid}/ns/net")
    finally:
        holder.kill()
        holder.wait(5)
        for pipe in (holder.stdout, holder.stderr):
            if pipe is not None:
                pipe.close()


def test_two_kiosks_find_each_other_by_zeroconf_and_refuse_an_impostor(
    tmp_path: Path, netns: tuple[str, ...]
) -> None:
    site = "s" + uuid.uuid4().hex[:8]
    kiosks: list[Kiosk] = []
    others: list[subprocess.Popen] = []
    impostor = None
    try:
        # a kiosk of another site on the same network: heard, never exchanged with
        others.append(_impostor(netns, "s-other-site", OTHER_SITE_PORT, "other"))
        launched = time.monotonic()
        for name in "ab":
            env = {
                "KIOSK_KIOSK_DATA_DIR": str(tmp_path / name),
                "KIOSK_KIOSK_ID": f"lobby-{name}",
                "KIOSK_SITE_ID": site,
                "KIOSK_PRINTER_OUT_DIR": str(tmp_path / name / "badges"),
                "KIOSK_EMERGENCY_PEER_KEY": PEER_KEY,
                "KIOSK_EMERGENCY_LISTEN": f"127.0.0.1:{PORTS[name]}",
                "KIOSK_EMERGENCY_PEERS": "",  # none: discovery alone
                "KIOSK_EMERGENCY_INTERVAL": "0.5",
                "KIOSK_EMERGENCY_IDLE_INTERVAL": "2",
            }
            kiosks.append(Kiosk(name, tmp_path / name, env, prefix=netns))
        a, b = kiosks
        ready = time.monotonic()
        _wait(lambda: a.ask("peers")["peers"] == [f"127.0.0.1:{PORTS['b']}"], timeout=20)
        _wait(lambda: b.ask("peers")["peers"] == [f"127.0.0.1:{PORTS['a']}"], timeout=20)
        now = time.monotonic()
        print(f"both discovered {now - ready:.1f} s after both were ready", end=" ")
        print(f"({now - launched:.1f} s after launching them)")

        started_at = a.ask("start", drill=True)["started_at"]
        _wait(lambda: b.ask("state")["active"], timeout=10)
        switch = b.ask("state")["first_change_at"] - started_at
        print(f"switch time on the discovered peer: {switch * 1000:.0f} ms")
        assert switch < SWITCH_BUDGET
        _wait(lambda: a.ask("state")["switched"] == ["lobby-a", "lobby-b"])
        held = set(a.ask("entries")["entries"])
        assert held == set(b.ask("entries")["entries"])

        # an impostor advertises itself as a kiosk of the site: found, but refused by the key
        refused = {k.name: k.ask("refused")["refused"] for k in kiosks}
        impostor = _impostor(netns, site, IMPOSTOR_PORT, "impostor")
        assert impostor.stdout is not None
        there = f"127.0.0.1:{IMPOSTOR_PORT}"
        for k in kiosks:
            _wait(lambda k=k: there in k.ask("peers")["peers"], timeout=20)
            _wait(lambda k=k: k.ask("refused")["refused"] > refused[k.name], timeout=10)
        took = [json.loads(impostor.stdout.readline()) for _ in range(2)]
        assert took == [{"opened": False}] * 2  # it cannot read the roll call
        assert all(k.ask("state")["active"] for k in kiosks)
        assert set(a.ask("entries")["entries"]) == set(b.ask("entries")["entries"]) == held
        assert all(f"127.0.0.1:{OTHER_SITE_PORT}" not in k.ask("peers")["peers"] for k in kiosks)
    finally:
        for k in kiosks:
            k.close()
        for proc in [*others, *([impostor] if impostor is not None else [])]:
            proc.kill()
            proc.wait(5)
            with contextlib.suppress(Exception):
                assert proc.stdout is not None
                proc.stdout.close()


def _impostor(netns: tuple[str, ...], site: str, port: int, name: str) -> subprocess.Popen:
    """A hostile peer advertising itself as a kiosk of ``site`` (tests/support/peer_impostor)."""
    proc = subprocess.Popen(
        [
            *netns,
            sys.executable,
            "-m",
            "tests.support.peer_impostor",
            site,
            "127.0.0.1",
            str(port),
            name,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert json.loads(proc.stdout.readline())["advertised"]
    return proc

"""Two kiosk processes of one site find each other by zeroconf alone: no peers configured, no
head office. They run inside a network namespace this test creates (its loopback only, with
multicast on), so no advertisement reaches another network. A drill started on A switches B;
an impostor advertising itself as a kiosk of the site is found, exchanged with, and refused
by the peer key: it opens none of the kiosks' frames and they take none of its."""

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
    impostor = None
    try:
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
        found = time.monotonic()
        _wait(lambda: a.ask("peers")["peers"] == [f"127.0.0.1:{PORTS['b']}"], timeout=20)
        _wait(lambda: b.ask("peers")["peers"] == [f"127.0.0.1:{PORTS['a']}"], timeout=20)
        print(f"discovered each other in {time.monotonic() - found:.1f} s")

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
        impostor = subprocess.Popen(
            [
                *netns,
                sys.executable,
                "-m",
                "tests.support.peer_impostor",
                site,
                "127.0.0.1",
                str(IMPOSTOR_PORT),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert impostor.stdout is not None
        assert json.loads(impostor.stdout.readline())["advertised"]
        there = f"127.0.0.1:{IMPOSTOR_PORT}"
        for k in kiosks:
            _wait(lambda k=k: there in k.ask("peers")["peers"], timeout=20)
            _wait(lambda k=k: k.ask("refused")["refused"] > refused[k.name], timeout=10)
        took = [json.loads(impostor.stdout.readline()) for _ in range(2)]
        assert took == [{"opened": False}] * 2  # it cannot read the roll call
        assert all(k.ask("state")["active"] for k in kiosks)
        assert set(a.ask("entries")["entries"]) == set(b.ask("entries")["entries"]) == held
    finally:
        for k in kiosks:
            k.close()
        if impostor is not None:
            impostor.kill()
            impostor.wait(5)
            with contextlib.suppress(Exception):
                assert impostor.stdout is not None
                impostor.stdout.close()

"""Held pulls end to end: two kiosks, each a process of its own on the app's wiring
(``tests/support/kiosk_process.py``: ``build_services``, the real sync worker with the default
15 s round interval and its held pull), and a real ``kiosk-server``. A check-in at one kiosk
reaches the other within about a second of its commit, with no faster polling: without the
held pull the other kiosk would see it at its next round, up to 15 s later.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.client import enroll
from tests.support.harness import ROOT, HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SITE = "held"
#: the slowest a check-in may take to reach the other kiosk (the round interval is 15 s)
WITHIN = 2.5


class KioskProcess:
    def __init__(self, data_dir: Path, log: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "KIVY_NO_ARGS": "1"}
        self.log = open(log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.kiosk_process", str(data_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=str(ROOT),
            env=env,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, prefix: str, timeout: float, contains: str = "") -> list[str]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line.startswith(prefix) and contains in line:
                return line.split()
        raise AssertionError(f"no {prefix!r} {contains!r} line within {timeout} s")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.send("quit")
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        self.log.close()


@pytest.fixture
def two_kiosks(tmp_path: Path) -> Iterator[tuple[KioskProcess, KioskProcess]]:
    url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    ho = HeadOffice(url)
    ho.add_site(SITE)
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    kiosks: list[KioskProcess] = []
    try:
        for name in ("east", "west"):
            enroll(server.url, ho.add_kiosk(SITE), data_dir=tmp_path / name)
            kiosks.append(KioskProcess(tmp_path / name, tmp_path / f"{name}.log"))
        for k in kiosks:
            k.expect("ready", 60)
        yield kiosks[0], kiosks[1]
    finally:
        for k in kiosks:
            k.close()
        server.stop()
        ho.close()


def test_a_check_in_reaches_the_other_kiosk_within_a_second_or_so(two_kiosks) -> None:
    east, west = two_kiosks
    time.sleep(1.0)  # both past their first round, each with a pull held at head office
    delays = []
    for n in range(3):
        east.send(f"checkin 1380000000{n}")
        _, _visit_id, committed = east.expect("checked_in", 30)
        _, seen, _kinds = west.expect("pulled", 20, contains="visit.checked_in")
        delays.append(float(seen) - float(committed))
        time.sleep(0.5)
    print(f"check-in commit to the other kiosk's applied pull: {[round(d, 3) for d in delays]} s")
    assert max(delays) < WITHIN, delays

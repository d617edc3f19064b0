"""The kiosk's allocator settings (kiosk.shell.memory), in a fresh interpreter each: glibc's
options are per process and stay set."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from kiosk.shell import memory

glibc = pytest.mark.skipif(memory.heap_usage() is None, reason="needs glibc 2.33+")

CYCLES = """
import sys
from pathlib import Path
from kiosk.shell import memory

def rss():
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096

tuned = sys.argv[1] == "tuned"
if tuned:
    assert memory.limit_fragmentation()
held, start = [], rss()
for _ in range(20):
    # a badge preview's worth: a few MiB, freed, while smaller objects stay behind it
    buffer = bytearray(3 * 2**20)
    held.append(bytearray(64 * 1024))
    in_use, _free = memory.heap_usage()
    assert in_use >= 3 * 2**20, in_use
    del buffer
print((rss() - start) / 2**20)
"""


def _grown_mib(mode: str) -> float:
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CYCLES), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(run.stdout.strip())


@glibc
def test_big_buffers_freed_go_back_to_the_system():
    # 20 × 64 KiB stay held (1.25 MiB); the twenty 3 MiB buffers must not stay resident.
    # Untuned, glibc raises its mmap threshold after the first free and keeps one: ~4.3 MiB
    assert _grown_mib("tuned") < 3

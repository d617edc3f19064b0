"""Integration tests start real server processes; none outlives the test that started it.

Servers a module- or session-scoped fixture started are set up before this fixture runs and
are left to their fixture; a server the test itself started and did not stop (it failed or
timed out half-way) is stopped here, so its process never leaks into the next test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.harness import ServerProcess


@pytest.fixture(autouse=True)
def _no_server_left_running() -> Iterator[None]:
    before = set(ServerProcess.running)
    yield
    for server in ServerProcess.running - before:
        server.stop()

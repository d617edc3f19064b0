"""Integration tests start real server processes; none outlives the test that started it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.harness import ServerProcess


@pytest.fixture(autouse=True)
def _no_server_left_running() -> Iterator[None]:
    yield
    ServerProcess.stop_leftovers()

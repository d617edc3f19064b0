"""The run-wide log watch (tests/support/log_secrets.py) catches a key in a log line."""

from __future__ import annotations

import logging
import secrets

from kiosk.core.keys.key_files import KeyFile, StoredKey
from tests.support import log_secrets


def test_a_key_written_to_a_key_file_is_a_leak_in_any_log_line(tmp_path) -> None:
    key = secrets.token_bytes(32)
    KeyFile(tmp_path, "probe").write([StoredKey(key)])  # remembered as it is written
    assert log_secrets.leaks_in(f"adopted {key.hex()} now")
    assert not log_secrets.leaks_in("adopted the key v1 now")
    # the handler the run uses, on a logger of its own (the run's watch must not see it)
    watch = log_secrets._Watch(level=logging.DEBUG)
    probe = logging.getLogger("log-secrets-probe")
    probe.propagate = False
    probe.addHandler(watch)
    before = len(log_secrets._LEAKS)
    try:
        probe.warning("key is %s", key.hex())
        assert len(log_secrets._LEAKS) == before + 1
    finally:
        del log_secrets._LEAKS[before:]
        probe.removeHandler(watch)

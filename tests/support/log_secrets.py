"""A pytest plugin: no secret made during the run ever appears in a log line of the run.

Every key written to a key file (``kiosk.core.keys.key_files``), every head-office token made
(``sync.server.security``) and every master secret is remembered as it is made; every log
record of the whole run (the project's loggers from DEBUG up, everything else as configured)
goes through one handler that looks for them. A hit fails the run at the end, naming the test
and the logger (never the secret). Loaded with ``-p tests.support.log_secrets`` (pyproject).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_LEAKS: list[str] = []
_CURRENT = ["(outside a test)"]
#: the project's own loggers, searched from DEBUG up
PROJECT_LOGGERS = ("kiosk", "sync", "bench")


def remember(secret: str) -> None:
    """A secret made now; a log line holding it from now on is a leak."""
    if len(secret) >= 16:
        with _LOCK:
            _SECRETS.add(secret)


def leaks_in(text: str) -> bool:
    with _LOCK:
        return any(s in text for s in _SECRETS)


class _Watch(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += " " + repr(record.exc_info[1])
        except Exception:  # a record that cannot format says nothing
            return
        if leaks_in(text):
            _LEAKS.append(f"{_CURRENT[0]}: logger {record.name} ({record.levelname})")


def _wrap(module: Any, name: str, record: Any) -> None:
    original = getattr(module, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        record(args, result)
        return result

    setattr(module, name, wrapped)


def pytest_configure(config: pytest.Config) -> None:
    from kiosk.core.keys import key_files
    from sync.server import keys, security

    def keys_written(args: Any, _result: Any) -> None:
        for entry in args[0]:
            remember(entry.key.hex())

    _wrap(key_files, "_encode", keys_written)
    _wrap(security, "new_admin_token", lambda _a, token: remember(token))
    _wrap(security, "new_kiosk_token", lambda _a, token: remember(token))
    _wrap(keys, "ensure_master_secret", lambda _a, found: remember(found[0].value.hex()))
    watch = _Watch(level=logging.DEBUG)
    logging.getLogger().addHandler(watch)
    for name in PROJECT_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level > logging.DEBUG:
            logger.setLevel(logging.DEBUG)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    _CURRENT[0] = item.nodeid
    try:
        return (yield)
    finally:
        _CURRENT[0] = "(outside a test)"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _LEAKS:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _LEAKS:
        terminalreporter.section("secrets in log lines", sep="=", red=True)
        for leak in sorted(set(_LEAKS)):
            terminalreporter.line(f"a secret was logged in {leak}")

"""The routes' worker threads (``sync/server/threads.py``): the served app's limiter holds
``$KIOSK_SERVER_THREADS`` (default ``DEFAULT_THREADS``), a bad value is refused with its name."""

from __future__ import annotations

import asyncio

import anyio.to_thread
import pytest

from sync.server import cli
from sync.server.app import create_app
from sync.server.threads import DEFAULT_THREADS, THREADS_ENV
from tests.support.harness import HeadOffice


def _limiter_tokens(url: str) -> float:
    """The worker threads the app's event loop allows while the app is up (its lifespan, as
    uvicorn runs it)."""
    app = create_app(url)

    async def serve() -> float:
        async with app.router.lifespan_context(app):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    try:
        return asyncio.run(serve())
    finally:
        app.state.engine.dispose()


def test_the_served_app_runs_its_routes_on_the_configured_threads(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    HeadOffice(url).close()  # migrated
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert _limiter_tokens(url) == DEFAULT_THREADS
    monkeypatch.setenv(THREADS_ENV, "3")
    assert _limiter_tokens(url) == 3


@pytest.mark.parametrize("value", ["many", "0"])
def test_a_bad_thread_count_is_refused_by_name(tmp_path, monkeypatch, value: str) -> None:
    monkeypatch.setenv(THREADS_ENV, value)
    with pytest.raises(ValueError, match=THREADS_ENV):
        create_app(f"sqlite:///{tmp_path / 'head-office.sqlite3'}")


@pytest.mark.parametrize("value", ["many", "0"])
def test_serve_refuses_a_bad_thread_count_before_it_starts(capsys, value: str) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", "--threads", value])
    assert exited.value.code == 2
    assert "--threads" in capsys.readouterr().err


def test_serve_refuses_a_bad_thread_count_from_the_environment_before_it_starts(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv(THREADS_ENV, "many")
    url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    assert cli.main(["--database-url", url, "serve"]) == 2
    assert THREADS_ENV in capsys.readouterr().err
    assert not (tmp_path / "head-office.sqlite3").exists(), "nothing started, nothing migrated"

"""Integration tests start real server processes; none outlives the test that started it.

Servers a module- or session-scoped fixture started are set up before this fixture runs and
are left to their fixture; a server the test itself started and did not stop (it failed or
timed out half-way) is stopped here, so its process never leaks into the next test.

The dashboard's tests share their set-up here: ``dashboard`` (the module's head office with an
account per role), ``smtp`` and ``gateway`` (real mail and SMS servers to send through).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.notify_servers import SmtpServer, WebhookServer
from tests.support.dashboard_env import DashboardEnv
from tests.support.harness import ServerProcess


@pytest.fixture(autouse=True)
def _no_server_left_running() -> Iterator[None]:
    before = set(ServerProcess.running)
    yield
    for server in ServerProcess.running - before:
        server.stop()


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) for the module's tests."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway() -> Iterator[WebhookServer]:
    """A real HTTP gateway (SMS, IM webhooks) recording what it is sent."""
    server = WebhookServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dashboard_environ() -> dict[str, str]:
    """Environment the module's dashboard server starts with; a module that mails or texts
    overrides it with ``mailing_environ``."""
    return {}


@pytest.fixture(scope="module")
def mailing_environ(smtp: SmtpServer, gateway: WebhookServer) -> dict[str, str]:
    """A head office that mails through ``smtp`` and texts through ``gateway``."""
    return {
        "KIOSK_SERVER_MAIL_URL": f"mailto://127.0.0.1:{smtp.port}?from=office@example.com",
        "KIOSK_SERVER_SMS_URL": gateway.url("sms/{phone}"),
    }


@pytest.fixture(scope="module")
def dashboard(request, tmp_path_factory, dashboard_environ) -> Iterator[DashboardEnv]:
    """The module's head office with the dashboard's accounts (``DashboardEnv``): one server
    for all of the module's tests, stopped after the last. Each module has its own database,
    since the modules' tests count rows (invitations, mails, audit entries) another module's
    would change; the accounts themselves are made once per run and copied."""
    name = request.module.__name__.rpartition(".")[2].removeprefix("test_")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in dashboard_environ.items():
            mp.setenv(key, value)
        env = DashboardEnv(tmp_path_factory.mktemp(name))
    yield env
    env.close()

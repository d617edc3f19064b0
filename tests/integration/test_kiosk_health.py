"""Kiosk health end to end: a real kiosk process (the app's wiring, every worker running) reports
to a real ``kiosk-server`` after its sync rounds, and the site page in headless Chromium shows
the report; once the kiosk stops, the page says for how long it has not been seen. The report's
route refuses a wrong type, an oversized body and a missing token; a kiosk that sends no report
(older software) still syncs and is shown as such.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from kiosk.core.version import installed_version
from sync.client import enroll
from sync.protocol import API_PREFIX, HEALTH_PATH, MAX_HEALTH_BYTES
from sync.server.models import Kiosk
from tests.integration.test_dashboard_browser import ARGS, CHROMIUM
from tests.support.dashboard_env import PASSWORD, DashboardEnv
from tests.support.harness import kiosk_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
HEALTH_URL = API_PREFIX + HEALTH_PATH


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    return dashboard


def _enrolled(env: DashboardEnv, data: Path) -> tuple[str, str]:
    done = enroll(env.url, env.ho.add_kiosk("north"), data_dir=data)
    return done.kiosk_id, (data / "head-office.token").read_text().strip()


def _row(env: DashboardEnv, kiosk_id: str) -> Kiosk:
    with env.ho.sessions() as s:
        row = s.get(Kiosk, kiosk_id)
        assert row is not None
        s.expunge(row)
        return row


def _wait(check, timeout: float = 20.0):
    end = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > end:
            return found
        time.sleep(0.2)


def test_the_route_checks_type_size_and_token(env: DashboardEnv, tmp_path: Path) -> None:
    kiosk_id, token = _enrolled(env, tmp_path / "k")
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=env.url, timeout=10) as http:
        assert http.post(HEALTH_URL, json={"backlog": 1}).status_code == 401
        wrong = http.post(HEALTH_URL, json={"backlog": "1"}, headers=auth)
        assert wrong.status_code == 422 and "backlog" in wrong.text
        negative = http.post(HEALTH_URL, json={"open_alerts": -1}, headers=auth)
        assert negative.status_code == 422
        big = http.post(
            HEALTH_URL, content=b'{"version": "' + b"9" * MAX_HEALTH_BYTES + b'"}', headers=auth
        )
        assert big.status_code == 413
        assert _row(env, kiosk_id).health is None  # nothing refused was kept

        # a newer kiosk's extra field is ignored; what is known is kept
        ok = http.post(HEALTH_URL, json={"backlog": 3, "battery": 80}, headers=auth)
        assert ok.status_code == 204, ok.text
    row = _row(env, kiosk_id)
    assert row.health is not None and row.health["backlog"] == 3 and "battery" not in row.health
    assert row.last_seen_at is not None and row.health_at is not None


def test_a_kiosk_process_reports_its_health_to_the_site_page(
    env: DashboardEnv, tmp_path: Path
) -> None:
    data = tmp_path / "kiosk"
    kiosk_id, _ = _enrolled(env, data)
    # an older kiosk: its sync client sends no report, and its pushes still work
    old_data = tmp_path / "old"
    old_id, old_token = _enrolled(env, old_data)
    old = kiosk_for(env.url, old_id, "north", old_token, old_data)
    try:
        assert old.client.sync_once().pulled >= 0
    finally:
        old.close()

    log = open(tmp_path / "kiosk.log", "w")  # noqa: SIM115
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.kiosk_child"],
        cwd=ROOT,
        env={
            **os.environ,
            "KIOSK_KIOSK_DATA_DIR": str(data),
            "KIOSK_PRINTER_BACKEND": "file",
            "KIOSK_PRINTER_OUT_DIR": str(data / "badges"),
            "KIOSK_HEAD_OFFICE_INTERVAL": "0.5",
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert json.loads(child.stdout.readline())["kiosk_id"] == kiosk_id
        assert _wait(lambda: _row(env, kiosk_id).health), (tmp_path / "kiosk.log").read_text()
    finally:
        with contextlib.suppress(BrokenPipeError, ValueError):
            assert child.stdin is not None
            child.stdin.write("quit\n")
            child.stdin.close()
        child.wait(20)
        child.stdout and child.stdout.close()
        log.close()
    health = _row(env, kiosk_id).health
    assert health is not None
    assert health["version"] == installed_version() and health["printer"] == "idle"
    assert health["backlog"] == 0 and health["disk_free_mb"] > 0 and health["data_mb"] >= 0

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{env.url}/dashboard/login?lang=en")
        page.fill("input[name=name]", "manager")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{env.url}/dashboard/sites/north?lang=en")
        card = page.locator(f"[data-kiosk='{kiosk_id}']").inner_text()
        assert f"Version\n{installed_version()}" in card
        assert "Printer\nready" in card and "Not yet synced\n0" in card
        assert "Open alerts\n0" in card and "not seen" not in card
        older = page.locator(f"[data-kiosk='{old_id}']").inner_text()
        assert "No health report yet" in older

        # the kiosk stopped 42 minutes ago (its last sign of life moved back that far)
        with env.ho.sessions() as s, s.begin():
            s.execute(
                update(Kiosk)
                .where(Kiosk.id == kiosk_id)
                .values(last_seen_at=datetime.now(UTC) - timedelta(minutes=42))
            )
        page.goto(f"{env.url}/dashboard/sites/north?lang=zh_CN")
        card = page.locator(f"[data-kiosk='{kiosk_id}']")
        assert "已 42 分钟未联系" in card.inner_text()
        assert "alerting" in (card.get_attribute("class") or "")
        browser.close()

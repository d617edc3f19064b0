"""The warden page in headless Chromium on a phone's viewport (390x844): it fits without
sideways scrolling, a tap on "accounted for" marks the person, and a screenshot is kept
(``tmp_path``; ``WARDEN_SCREENSHOT=PATH`` writes it there too)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.unit.emergency_fixtures import form, free_port, kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_the_warden_page_on_a_phone(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    services = kiosk(
        tmp_path / "a",
        "kiosk-a",
        environ={"KIOSK_EMERGENCY_WARDEN_LISTEN": f"127.0.0.1:{free_port()}"},
    )
    emergency = services.emergency
    emergency.warden.start()
    try:
        names = ["王芳", "Maria Fernández-Castillo de la Vega", "欧阳建国"]
        visits = [
            services.checkin.check_in(form(name=n, phone=f"1381234000{i}")).visit
            for i, n in enumerate(names)
        ]
        emergency.mode.start(by="st-1", role="supervisor", emergency="fire", drill=True)
        link = emergency.warden_link(by="st-1")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = browser.new_context(
                    viewport={"width": 390, "height": 844},
                    device_scale_factor=2,
                    is_mobile=True,
                    locale="zh-CN",
                ).new_page()
                page.goto(link)
                assert "点名" in page.title()
                for name in names:
                    assert page.get_by_text(name).count() == 1
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
                row = page.locator("li", has_text="欧阳建国")
                row.get_by_role("button", name="确认在场").click()
                page.wait_for_selector(".done")
                assert "已标记：欧阳建国" in page.locator(".done").inner_text()
                shot = tmp_path / "warden-page-390.png"
                page.screenshot(path=str(shot), full_page=True)
            finally:
                browser.close()
        if os.environ.get("WARDEN_SCREENSHOT"):
            shutil.copy(shot, os.environ["WARDEN_SCREENSHOT"])
        marks = emergency.mode.current().marks  # type: ignore[union-attr]
        assert {p: m.status for p, m in marks.items()} == {visits[2].id: "accounted"}
    finally:
        services.stop()
        emergency.warden.stop()

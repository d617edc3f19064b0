"""The dashboard's layout checks in headless Chromium, shared by its page tests.

Each page is checked at a laptop's 1366×768 and a phone's 390×844: nothing wider than the
window (wide tables scroll inside their own box), and a screenshot of it. A plain run checks
zh_CN on the laptop and English on the phone (English is the wider text) and keeps the
screenshots in the test's temporary folder; ``DASHBOARD_SCREENSHOTS=docs`` checks all four
and writes them into docs/screenshots as ``dashboard-<page>-<lang>-<width>.png``
(``scripts/dashboard-screenshots``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.dashboard_env import PASSWORD
from tests.support.harness import ROOT

CHROMIUM = "/usr/bin/chromium"
SIZES = ((1366, 768), (390, 844))


def every_shot() -> bool:
    """Whether this run writes the docs' screenshots (all four of each page)."""
    return os.environ.get("DASHBOARD_SCREENSHOTS") == "docs"


def shot_runs() -> list[tuple[str, tuple[int, int]]]:
    """The (language, (width, height)) pairs to check."""
    return [
        (lang, size)
        for lang in ("zh_CN", "en")
        for size in SIZES
        if every_shot() or (lang, size) in (("zh_CN", SIZES[0]), ("en", SIZES[1]))
    ]


def shot_folder(tmp_path: Path) -> Path:
    """Where the screenshots go: docs/screenshots, or the test's own folder."""
    folder = ROOT / "docs" / "screenshots" if every_shot() else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def fitted_shot(page, path: Path, *, full: bool = False) -> None:
    """Fail when the page is wider than its window; then shoot it into ``path``."""
    page.wait_for_load_state()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path.name} is {overflow}px too wide"
    page.screenshot(path=str(path), full_page=full)


@contextmanager
def chromium(args: Sequence[str] = ("--no-sandbox",)) -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright, closed at the end."""
    assert Path(CHROMIUM).exists(), f"Debian chromium is needed at {CHROMIUM}"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(args))
        try:
            yield browser
        finally:
            browser.close()


def signed_in_pages(
    browser: Any,
    url: str,
    name: str,
    *,
    network: str,
    errors: list[str],
    console: bool = False,
) -> Iterator[tuple[str, int, Any]]:
    """(language, width, page) for each of ``shot_runs``: a browser context of its own at that
    size, from an address in ``network`` (``"10.68"``), signed in as ``name`` through the login
    form in that language; script errors, and with ``console`` the console's errors, go to
    ``errors``. The context closes when the loop moves on."""
    for lang, (width, height) in shot_runs():
        context = browser.new_context(
            viewport={"width": width, "height": height},
            extra_http_headers={"X-Forwarded-For": f"{network}.{width % 250}.1"},
            accept_downloads=True,
        )
        try:
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            if console:
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{url}/dashboard/login?lang={lang}")
            page.fill("input[name=name]", name)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            yield lang, width, page
        finally:
            context.close()

"""The directions screen's QR code: the same way on the visitor's phone, only with head office.

Stand-alone (the UI fixture's kiosk has no head office) the screen shows no code. With a head
office address and the site's key (fetched by the notify worker in the product; stored here
the way it stores it), the code appears; a real decoder (zbarimg) reads it from a screenshot of
the window, and the link in it is signed for this site, this room and the language on show.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey, derive
from kiosk.core.keys.site_keys import KeySet, SiteKeys
from kiosk.core.wayfinding.route_links import verify
from kiosk.services import _route_links

pytestmark = pytest.mark.ui

SHOTS = Path("/tmp/kiosk-ui-directions")
HEAD_OFFICE = "https://head-office.example.com"
KEY = derive(b"ui test master secret", KeyPurpose.ROUTE_LINK, "demo")


def decode(path: Path) -> list[str]:
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg (Debian zbar-tools, scripts/debian-packages.txt) is needed"
    done = subprocess.run(
        [zbarimg, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=30
    )
    return [line for line in done.stdout.splitlines() if line]


def shown_link(screen, clock):
    """What the link on show says (verified with the site's route key)."""
    return verify(KEY, screen.route_url.rsplit("/", 1)[1], now=clock.now())


def open_room(kiosk, number: str):
    kiosk.tap(kiosk.current().ids.directions)
    screen = kiosk.current()
    kiosk.keys(number)
    kiosk.wait_for(lambda: len(screen.ids.results.children) > 0)
    kiosk.tap(screen.ids.results.children[-1])
    assert screen.mode == "map" and screen.route is not None
    kiosk.wait_for(lambda: screen.ids.map.image is not None)
    return screen


def test_no_qr_code_on_a_stand_alone_kiosk(kiosk) -> None:
    assert kiosk.app.services.route_links is not None
    assert kiosk.app.services.site_keys.head_office_url == ""
    screen = open_room(kiosk, "503")
    kiosk.frames(5)
    assert screen.route_url == ""
    assert screen.ids.route_qr.texture is None
    assert screen.ids.route_qr_box.height == 0 and screen.ids.route_qr_box.opacity == 0
    SHOTS.mkdir(exist_ok=True)
    shot = kiosk.screenshot(SHOTS / "directions-no-qr.png")
    assert decode(shot) == []


def test_qr_code_with_head_office_decodes_to_the_signed_route_link(kiosk) -> None:
    services = kiosk.app.services
    standalone, standalone_keys = services.route_links, services.site_keys
    # what an enrolled kiosk has once it fetched its site's keys from head office
    services.site_keys = SiteKeys(
        store=services.store, clock=services.clock, head_office_url=HEAD_OFFICE
    )
    fetched = services.site_keys
    fetched.keep(KeySet({KeyPurpose.ROUTE_LINK: SiteKey(KeyPurpose.ROUTE_LINK, 1, KEY)}))
    services.route_links = _route_links(services)
    # the directions screen is handed its services by the app: hand it the new links
    directions = kiosk.app.screen("directions")
    handed = directions.services
    directions.services = replace(handed, route_links=services.route_links)
    try:
        screen = open_room(kiosk, "503")
        assert screen.route_url.startswith(f"{HEAD_OFFICE}/route/")
        kiosk.wait_for(lambda: screen.ids.route_qr.texture is not None)
        assert screen.ids.route_qr_box.height > 0
        assert "扫码在手机上查看路线" in kiosk.texts()
        SHOTS.mkdir(exist_ok=True)
        shot = kiosk.screenshot(SHOTS / "directions-qr.png")
        assert decode(shot) == [screen.route_url]
        parsed = shown_link(screen, services.clock)
        assert (parsed.site_id, parsed.goal, parsed.lang) == ("demo", "room:503", "zh_CN")
        assert not parsed.accessible

        kiosk.tap(kiosk.app.root.ids.lang_toggle)  # English: the link follows the language
        kiosk.wait_for(lambda: shown_link(screen, services.clock).lang == "en")
        assert "Scan to see the way on your phone" in kiosk.texts()
        kiosk.tap(screen.ids.accessible)
        kiosk.wait_for(lambda: screen.ids.route_qr.texture is not None)
        assert shown_link(screen, services.clock).accessible
        shot = kiosk.screenshot(SHOTS / "directions-qr-en.png")
        assert decode(shot) == [screen.route_url]
        kiosk.tap(kiosk.app.root.ids.lang_toggle)
    finally:
        services.route_links, services.site_keys = standalone, standalone_keys
        directions.services = handed
        fetched.key_file.write([])  # the next test's kiosk has fetched nothing

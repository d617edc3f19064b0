"""The warden page over real HTTP, built by the app's own wiring: a phone marks the roll call
with the console's signed link; every bad request is refused with a translated page and
marks nothing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kiosk.core.emergency import warden_links
from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey
from kiosk.services import Services
from tests.unit.emergency_fixtures import form, free_port, kiosk

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def desk(tmp_path) -> Iterator[Services]:
    services = kiosk(
        tmp_path / "a",
        "kiosk-a",
        environ={"KIOSK_EMERGENCY_WARDEN_LISTEN": f"127.0.0.1:{free_port()}"},
    )
    services.emergency.warden.start()  # the page's worker, as start_workers would
    try:
        yield services
    finally:
        services.stop()
        services.emergency.warden.stop()


def _marks(services: Services) -> list[tuple[str, str, str]]:
    incident = services.emergency.mode.current()
    assert incident is not None
    return sorted((p, m.status, m.by) for p, m in incident.marks.items())


def test_a_phone_marks_the_roll_call_with_the_consoles_link(desk: Services) -> None:
    emergency = desk.emergency
    visit = desk.checkin.check_in(form(name="王芳")).visit
    assert emergency.warden_link(by="st-1") == ""  # no emergency: no link
    emergency.mode.start(by="st-1", role="supervisor", emergency="fire", drill=True)
    link = emergency.warden_link(by="st-1")
    assert link.startswith(f"http://127.0.0.1:{emergency.warden.address[1]}/w/")

    with httpx.Client(timeout=5) as http:
        page = http.get(link, headers={"Accept-Language": "en-GB,en"})
        assert page.status_code == 200
        assert "王芳" in page.text and "Roll call" in page.text and "Not marked" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "script" not in page.text
        assert "点名" in http.get(link + "?lang=zh_CN").text

        done = http.post(
            link + "?lang=en", content=f"person_id={visit.id}&status=accounted", headers=FORM
        )
        assert done.status_code == 200, done.text
        assert "Marked: 王芳, Accounted for" in done.text
    assert _marks(desk) == [(visit.id, "accounted", "phone:st-1")]
    # the same typed entry the console makes: passed on to peers and pushed to head office
    kinds = [k for _, k, p in emergency.mode.shared_entries() if p.get("by") == "phone:st-1"]
    assert kinds == ["emergency.marked"]
    row = desk.store.query_one("SELECT count(*) FROM outbox WHERE kind = 'emergency.marked'")
    assert row is not None and row[0] == 1


def test_bad_requests_are_refused_and_mark_nothing(desk: Services) -> None:
    emergency = desk.emergency
    visit = desk.checkin.check_in(form(name="王芳")).visit
    emergency.mode.start(by="st-1", role="supervisor", emergency="fire", drill=False)
    link = emergency.warden_link(by="st-1")
    base = link.split("/w/")[0]
    token = link.split("/w/")[1]
    other = SiteKey(KeyPurpose.PEER, 1, b"\x07" * 32)
    forged = warden_links.sign(
        other,
        warden_links.WardenToken(
            site_id="demo",
            incident_id=emergency.mode.current().id,  # type: ignore[union-attr]
            by="st-x",
            expires=2_000_000_000,
        ),
    )
    good = f"person_id={visit.id}&status=missing"
    with httpx.Client(timeout=5, headers={"Accept-Language": "en"}) as http:
        cases = [
            (http.get(f"{base}/w/{forged}"), 403, "not valid"),
            (http.post(f"{base}/w/{forged}", content=good, headers=FORM), 403, "not valid"),
            (http.get(f"{base}/w/{token[:-2]}xx"), 403, "not valid"),
            (http.get(f"{base}/w/"), 404, "not valid"),
            (http.get(f"{base}/etc/passwd"), 404, "not valid"),
            (http.get(f"{base}/w/{'a' * 800}"), 404, "not valid"),
            (http.post(link, content=good), 415, "not understood"),
            (
                http.post(link, content=good, headers={"Content-Type": "application/json"}),
                415,
                "not understood",
            ),
            (http.post(link, content="x" * 2000, headers=FORM), 413, "not understood"),
            (http.post(link, content=good + "&by=admin", headers=FORM), 400, "not understood"),
            (
                http.post(link, content=good + f"&person_id={visit.id}", headers=FORM),
                400,
                "not understood",
            ),
            (
                http.post(link, content=f"person_id={visit.id}&status=left", headers=FORM),
                400,
                "not understood",
            ),
            (
                http.post(link, content="person_id=<script>&status=missing", headers=FORM),
                400,
                "not understood",
            ),
            (
                http.post(link, content="person_id=nobody&status=missing", headers=FORM),
                400,
                "not on the roll call",
            ),
            (http.put(link, content=good, headers=FORM), 405, "not understood"),
        ]
        for response, status, text in cases:
            assert (response.status_code, text in response.text) == (status, True), (
                response.request.method,
                str(response.request.url)[:80],
                response.text[:300],
            )
        assert _marks(desk) == []

        desk.clock.advance(warden_page_minutes() * 60 + 1)  # type: ignore[attr-defined]
        late = http.post(link, content=good, headers=FORM)
        assert (late.status_code, "expired" in late.text) == (403, True)
        fresh = emergency.warden_link(by="st-1")
        emergency.mode.end(by="st-1", role="supervisor", reason="drill over")
        ended = http.get(fresh)
        assert (ended.status_code, "has ended" in ended.text) == (403, True)
        assert "点名" in http.get(fresh, headers={"Accept-Language": "zh-CN"}).text
    assert emergency.warden.marks == 0


def warden_page_minutes() -> int:
    from kiosk.core.emergency.warden_page import LINK_MINUTES

    return LINK_MINUTES

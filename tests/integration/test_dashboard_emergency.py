"""The dashboard's emergency page over real HTTP (a real ``kiosk-server``): a start is asked
again before anything is recorded, then feeds the kiosks' own ``emergency.started`` entry;
the roll call lists who was on site with their marks; a security guard's mark is an
``emergency.marked`` entry fed to the site's kiosks; the end needs a reason; the rows
fragment and the event stream follow the entries; CSRF, roles and site scoping; each start,
mark, end and view of the names in the audit chain. (The browser with a real kiosk:
``test_dashboard_emergency_browser.py``.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from sync.server.dashboard import audit
from sync.server.models import Change, Visit, Visitor
from tests.support.dashboard_env import DashboardEnv, page_csrf

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PAGE = "/dashboard/sites/north/emergency"


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Iterator[DashboardEnv]:
    e = DashboardEnv(tmp_path_factory.mktemp("dashboard-emergency"))
    at = datetime.now(UTC) - timedelta(minutes=30)
    with e.ho.sessions() as s, s.begin():
        for i, name in enumerate(("张伟", "Emma Müller")):
            s.add(Visitor(id=f"em-vr{i}", site_id="north", name=name, company="华为技术"))
            s.add(
                Visit(
                    id=f"em-v{i}",
                    site_id="north",
                    visitor_id=f"em-vr{i}",
                    kiosk_id="north-k1",
                    state="checked_in",
                    created_at=at,
                    checked_in_at=at,
                    state_hlc="1",
                )
            )
    yield e
    e.close()


def _fed(env: DashboardEnv) -> list[tuple[str, dict]]:
    with env.ho.sessions() as s:
        rows = s.execute(
            select(Change.kind, Change.payload)
            .where(Change.site_id == "north")
            .order_by(Change.seq)
        ).all()
    return [(r.kind, r.payload) for r in rows if r.kind.startswith("emergency.")]


def _actions(env: DashboardEnv) -> list[str]:
    with env.ho.sessions() as s:
        assert audit.verify(s).ok
        found = audit.entries(s, chain=audit.CHAIN, limit=500)
        return [e.action for e in found if e.subject_kind == "emergency"]


def test_start_confirm_roll_call_mark_and_end(env: DashboardEnv) -> None:
    guard = env.login("guard")
    idle = guard.get(PAGE + "?lang=en")
    assert idle.status_code == 200 and "Start an emergency" in idle.text
    csrf = page_csrf(guard, PAGE)
    form = {"csrf": csrf, "emergency": "fire", "drill": "on"}

    # no token: refused; no confirm: the confirm page, nothing recorded; a bad kind: refused
    assert guard.post(f"{PAGE}/start", data={**form, "csrf": "x"}).status_code == 403
    ask = guard.post(f"{PAGE}/start", data=form)
    assert ask.status_code == 200 and 'name="confirm" value="yes"' in ask.text
    bad = guard.post(f"{PAGE}/start", data={**form, "emergency": "flood", "confirm": "yes"})
    assert bad.status_code == 303 and "error=kind" in bad.headers["location"]
    assert _fed(env) == []

    done = guard.post(f"{PAGE}/start", data={**form, "confirm": "yes"})
    assert done.status_code == 303
    [(kind, started)] = _fed(env)
    assert kind == "emergency.started" and started["drill"] is True
    assert started["emergency"] == "fire" and started["kiosk_id"] == "head-office"

    page = guard.get(PAGE + "?lang=en")
    assert "张伟" in page.text and "Emma Müller" in page.text and "Not marked" in page.text
    assert 'id="rollcall"' in page.text and "/emergency/events" in page.text

    # a mark: fed to the kiosks; a person not on the roll call, or an unknown mark: nothing
    mark = {"csrf": csrf, "person": "em-v1", "status": "missing"}
    assert guard.post(f"{PAGE}/marks", data=mark).headers["location"].endswith("#p-em-v1")
    stranger = guard.post(f"{PAGE}/marks", data={**mark, "person": "someone"})
    assert "error=person" in stranger.headers["location"]
    odd = guard.post(f"{PAGE}/marks", data={**mark, "status": "gone"})
    assert "error=person" in odd.headers["location"]
    marks = [p for k, p in _fed(env) if k == "emergency.marked"]
    assert [(m["person_id"], m["status"]) for m in marks] == [("em-v1", "missing")]
    rows = guard.get(f"{PAGE}/rows?lang=en").text
    assert 'data-person="em-v1" data-status="missing"' in rows and "hq-" in rows
    assert 'data-person="em-v0" data-status="unknown"' in rows

    # the stream's first event carries the signature the next entry moves
    with guard.stream("GET", f"{PAGE}/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data:"):
                first = line
                break
    assert first.startswith("data: 2|")  # the start and the one mark recorded

    # the end needs a reason
    no_reason = guard.post(f"{PAGE}/end", data={"csrf": csrf, "reason": " "})
    assert "error=reason" in no_reason.headers["location"]
    assert "Please give the reason" in guard.get(PAGE + "?error=reason&lang=en").text
    assert guard.post(f"{PAGE}/end", data={"csrf": csrf, "reason": "演练结束"}).status_code == 303
    assert _fed(env)[-1][0] == "emergency.ended"
    after = guard.get(PAGE + "?lang=en").text
    assert "Start an emergency" in after and "Its record" in after
    late = guard.post(f"{PAGE}/marks", data={**mark, "status": "accounted"})
    assert "error=none" in late.headers["location"]
    actions = _actions(env)
    for action in (
        "dashboard.emergency_started",
        "dashboard.emergency_marked",
        "dashboard.emergency_ended",
        "dashboard.viewed",
    ):
        assert action in actions, action
    assert actions.count("dashboard.emergency_marked") == 1


@pytest.mark.parametrize(
    ("who", "path", "code"),
    [
        ("manager", "/dashboard/sites/south/emergency", 403),  # another site's
        ("manager", "/dashboard/sites/south/emergency/rows", 403),
        ("manager", "/dashboard/sites/south/emergency/events", 403),
        ("viewer", PAGE, 403),  # counts only
        ("manager", PAGE, 200),
        ("admin", "/dashboard/sites/south/emergency", 200),
    ],
)
def test_roles_and_sites(env: DashboardEnv, who: str, path: str, code: int) -> None:
    assert env.login(who).get(path).status_code == code


def test_a_site_manager_cannot_start_one_at_another_site(env: DashboardEnv) -> None:
    c = env.login("manager")
    csrf = page_csrf(c, PAGE)
    form = {"csrf": csrf, "emergency": "fire", "confirm": "yes"}
    assert c.post("/dashboard/sites/south/emergency/start", data=form).status_code == 403
    assert 'id="emergency-link"' not in env.login("viewer").get("/dashboard/sites/north").text
    assert 'id="emergency-link"' in c.get("/dashboard/sites/north").text
    with env.ho.sessions() as s:
        kinds = s.scalars(select(Change.kind).where(Change.site_id == "south")).all()
    assert not [k for k in kinds if k.startswith("emergency.")]


def test_signed_out_stream_is_refused(env: DashboardEnv) -> None:
    with httpx.Client(base_url=env.url) as anon:
        r = anon.get(f"{PAGE}/events", headers={"Accept": "text/event-stream"})
    assert r.status_code == 401

"""Changing an invitation in the dashboard over real HTTP (issue 19): a real ``kiosk-server``
mailing through a real SMTP server (aiosmtpd) and texting through a real gateway, and a real
enrolled kiosk pulling the change. The change reaches the kiosk (new day, new host); the guest
who was mailed and texted gets both again at the same address, which is stored sealed only;
refusals: a role without "invite", another site's manager, a missing or stale CSRF token, bad
input (the page again with the reason, nothing changed) and an invitation no longer pending."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from kiosk.core.models import InvitationState
from sync.server.mail_models import InvitationMessage
from sync.server.models import Invitation
from sync.server.reception import AuditEntry
from tests.support.dashboard_env import DashboardEnv, page_csrf
from tests.support.dashboard_shots import chromium, fitted_shot, shot_folder, signed_in_pages
from tests.support.harness import KioskHarness, enrolled_kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # a server with five accounts

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADDRESS = "changed.guest@example.com"


@pytest.fixture(scope="module")
def dashboard_environ(mailing_environ: dict[str, str]) -> dict[str, str]:
    return mailing_environ  # the invitations are mailed and texted


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    e = dashboard
    token = e.ho.add_admin("directory")
    with httpx.Client(base_url=e.url, headers={"Authorization": f"Bearer {token}"}) as api:
        for site in ("north", "south"):
            body = {"site_id": site, "name_zh": "研发部", "name_en": "R&D"}
            assert api.put(f"/api/v1/departments/{site}-rnd", json=body).status_code == 200
        for host, site, zh, en in (
            ("h-wang", "north", "王伟", "Wang Wei"),
            ("h-li", "north", "李娜", "Li Na"),
            ("h-south", "south", "赵敏", "Zhao Min"),
        ):
            body = {"site_id": site, "department": f"{site}-rnd", "name_zh": zh, "name_en": en}
            assert api.put(f"/api/v1/hosts/{host}", json=body).status_code == 200, host
    return e


@pytest.fixture(scope="module")
def kiosk(env: DashboardEnv, tmp_path_factory) -> Iterator[KioskHarness]:
    k = enrolled_kiosk(env.url, env.ho.add_kiosk("north"), tmp_path_factory.mktemp("kiosk"))
    yield k
    k.close()


def _invite(env: DashboardEnv, c: httpx.Client, site: str = "north", **extra: str) -> Invitation:
    r = c.post(
        "/dashboard/invitations",
        data={
            "csrf": page_csrf(c, "/dashboard/invitations"),
            "site_id": site,
            "visitor_name": extra.pop("visitor_name", "韩梅梅"),
            **extra,
        },
    )
    assert r.status_code == 200, r.text
    code = re.search(r'id="invitation-code">([A-Z0-9]{8})<', r.text).group(1)
    return _by_code(env, code)


def _by_code(env: DashboardEnv, code: str) -> Invitation:
    with env.ho.sessions() as s:
        inv = s.scalar(select(Invitation).where(Invitation.code == code))
        assert inv is not None
        s.expunge(inv)
        return inv


def _day(n: int) -> str:
    return (datetime.now(SHANGHAI) + timedelta(days=n)).date().isoformat()


def _change(c: httpx.Client, inv: Invitation, lang: str = "en", **form: str) -> httpx.Response:
    path = f"/dashboard/invitations/{inv.id}/change"
    data = {"csrf": page_csrf(c, "/dashboard/invitations"), "visitor_name": inv.visitor_name}
    return c.post(f"{path}?lang={lang}", data={**data, **form})


def test_a_change_reaches_the_kiosk_and_the_guest_is_sent_the_new_day(
    env: DashboardEnv, smtp, gateway, kiosk: KioskHarness
) -> None:
    c = env.login("manager")
    first, second = _day(3), _day(5)
    inv = _invite(
        env, c, host_id="h-wang", day=first, email=ADDRESS, phone="13812345678", language="en"
    )
    [mail] = smtp.mailbox.wait_for(ADDRESS)
    assert first in mail.get_body(("plain",)).get_content()
    gateway.wait_for("/sms/13812345678")
    kiosk.client.sync_once()
    pulled = kiosk.records.invitation_by_code(inv.code)
    assert pulled is not None and pulled.host_id == "h-wang"

    form = c.get(f"/dashboard/invitations/{inv.id}/change?lang=en")
    assert form.status_code == 200 and "Change the invitation" in form.text
    assert f'value="{first}"' in form.text and '<option value="h-wang" selected>' in form.text
    r = _change(c, inv, visitor_name="Han Meimei", host_id="h-li", day=second, company="ACME")
    assert r.status_code == 303 and r.headers["location"].endswith("invitations?site=north")

    mails = smtp.mailbox.wait_for(ADDRESS, count=2)
    assert len(mails) == 2
    again = mails[1].get_body(("plain",)).get_content()
    assert second in again and "Han Meimei" in again and "Li Na" in again and inv.code in again
    texts = gateway.wait_for("/sms/13812345678", count=2)
    assert len(texts) == 2 and second in texts[1]["message"]

    kiosk.client.sync_once()
    pulled = kiosk.records.invitation_by_code(inv.code)
    assert pulled is not None and pulled.state is InvitationState.PENDING
    assert pulled.host_id == "h-li" and pulled.visitor_name == "Han Meimei"
    assert pulled.company == "ACME"
    assert pulled.valid_from is not None
    assert pulled.valid_from.astimezone(SHANGHAI).date().isoformat() == second

    with env.ho.sessions() as s:
        messages = list(
            s.scalars(select(InvitationMessage).where(InvitationMessage.invitation_id == inv.id))
        )
        [entry] = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "dashboard.invitation_changed",
                AuditEntry.subject_id == inv.id,
            )
        )
    assert sorted(m.channel for m in messages) == ["email", "email", "sms", "sms"]
    assert len({m.address_digest for m in messages if m.channel == "email"}) == 1
    assert entry.details["changed"] == "company,host_id,valid_from,valid_until,visitor_name"
    assert entry.details["resent"] == "2" and ADDRESS not in str(entry.details)
    # the address is only ever stored sealed: not in clear anywhere in the database files
    for f in Path(env.folder).glob("head-office.sqlite3*"):
        assert ADDRESS.encode() not in f.read_bytes(), f.name


def test_who_may_not_change_and_what_is_refused(env: DashboardEnv) -> None:
    admin = env.login("admin")
    north = _invite(env, admin, visitor_name="不变者", host_id="h-wang", day=_day(2))
    south = _invite(env, admin, site="south", visitor_name="南区访客")
    manager = env.login("manager")  # north only
    assert manager.get(f"/dashboard/invitations/{south.id}/change").status_code == 403
    assert _change(manager, south, day=_day(4)).status_code == 403
    viewer = env.login("viewer")  # north, but no "invite"
    assert viewer.get(f"/dashboard/invitations/{north.id}/change").status_code == 403
    assert _change(viewer, north, day=_day(4)).status_code == 403
    missing = manager.get("/dashboard/invitations/no-such-invitation/change")
    assert missing.status_code == 404

    path = f"/dashboard/invitations/{north.id}/change"
    no_token = manager.post(path, data={"visitor_name": "x", "day": _day(4)})
    stale = manager.post(path, data={"visitor_name": "x", "day": _day(4), "csrf": "stale"})
    assert no_token.status_code == 403 and stale.status_code == 403

    for form, lang, why in (
        ({"visitor_name": "  "}, "en", "the name cannot be blank"),
        ({"day": "2026-02-30"}, "zh_CN", "日期须有效"),
        ({"host_id": "h-south"}, "en", "the host must be of the chosen site"),
    ):
        r = _change(manager, north, lang, **form)
        assert r.status_code == 400 and why in r.text, form
        assert 'id="change"' in r.text  # the form again, with what was typed
    assert _by_code(env, north.code).updated_at == north.updated_at  # nothing changed

    cancelled = admin.post(
        f"/dashboard/invitations/{north.id}/cancel",
        data={"csrf": page_csrf(admin, "/dashboard/invitations")},
    )
    assert cancelled.status_code == 303
    r = _change(manager, north, day=_day(4))
    assert r.status_code == 409 and "can no longer be changed" in r.text
    assert 'id="change"' not in r.text
    with env.ho.sessions() as s, s.begin():  # checked in at a kiosk meanwhile
        s.get(Invitation, south.id).state = "used"
    r = admin.get(f"/dashboard/invitations/{south.id}/change?lang=zh_CN")
    assert r.status_code == 409 and "此邀请已无法修改" in r.text
    assert _change(admin, south, "zh_CN", day=_day(4)).status_code == 409
    with env.ho.sessions() as s:
        assert s.get(Invitation, north.id).state == "cancelled"
        assert s.get(Invitation, south.id).valid_from is None


def test_the_change_form_fits_a_laptop_and_a_phone(env: DashboardEnv, tmp_path: Path) -> None:
    """The list with its Change links and the change form with an error line, at the layout
    checks' sizes and languages (``tests/support/dashboard_shots.py``): no script error,
    nothing wider than the window; shot as ``dashboard-invitation-change-<lang>-<width>.png``."""
    folder = shot_folder(tmp_path)
    admin = env.login("admin")
    inv = _invite(env, admin, visitor_name="韩梅梅", host_id="h-wang", day=_day(1))
    errors: list[str] = []
    with chromium() as browser:
        for lang, width, page in signed_in_pages(
            browser, env.url, "admin", network="10.68", errors=errors
        ):
            page.goto(f"{env.url}/dashboard/invitations?site=north")
            wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert wide <= 0, f"the list with its Change links: {wide}px too wide"
            page.click(f'tr[data-invitation="{inv.id}"] a.change')
            page.fill("#change input[name=company]", "示例公司" if lang == "zh_CN" else "ACME")
            page.fill("#change input[name=visitor_name]", " ")
            page.click("#change button[type=submit]")  # blank name: the form again, why
            page.wait_for_selector("p.error")
            path = folder / f"dashboard-invitation-change-{lang}-{width}.png"
            fitted_shot(page, path, full=True)
    assert errors == []

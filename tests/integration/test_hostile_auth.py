"""Issue 12, items 7, 10 and 11: revoking an admin, slowing guessers, logs without secrets.

A real ``kiosk-server`` on SQLite. Enrollment guessing from one address is answered 429 with a
growing ``Retry-After`` after five free failures, and logged without the code; a kiosk's pushes
from the same address are not slowed by it. The server log never holds a secret, token, code or
phone number, whatever was sent.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hostile_env import API, HostileEnv, hostile_sqlite_fixture  # noqa: F401  (fixture)

from tests.support.harness import ROOT

pytestmark = pytest.mark.integration


def test_an_admin_token_is_revoked_by_route_and_by_command(hostile_sqlite: HostileEnv) -> None:
    env = hostile_sqlite
    leaked = env.ho.add_admin("leaky")
    mine = {"Authorization": f"Bearer {leaked}"}
    assert env.http.get(f"{API}/sites", headers=mine).status_code == 200
    with env.ho.sessions() as s:
        from sqlalchemy import select

        from sync.server.models import Admin

        admin_id = s.scalar(select(Admin.id).where(Admin.name == "leaky"))
    r = env.http.post(f"{API}/admins/{admin_id}/revoke", headers=env.admin)
    assert r.status_code == 200 and r.json()["revoked_at"], r.text
    assert env.http.get(f"{API}/sites", headers=mine).status_code == 401
    assert env.http.post(f"{API}/admins/999999/revoke", headers=env.admin).status_code == 404

    other = {"Authorization": f"Bearer {env.ho.add_admin('bob')}"}
    assert env.http.get(f"{API}/sites", headers=other).status_code == 200
    done = subprocess.run(
        [sys.executable, "-m", "sync.server.cli", "--database-url", env.url, "revoke-admin", "bob"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0 and "admin bob revoked" in done.stdout, done.stderr
    assert env.http.get(f"{API}/sites", headers=other).status_code == 401


def test_no_secret_token_code_or_phone_in_any_log_line(hostile_sqlite: HostileEnv) -> None:
    env = hostile_sqlite
    site = env.new_site()
    code = env.ho.add_kiosk(site)
    k = env.kiosk(site, "k")
    phones = [f"1390000{i:04d}" for i in range(5)]
    for p in phones:
        env.check_in(k, p)
    k.client.sync_once()
    wrong = "kt_" + "A" * 43
    for _ in range(3):
        env.http.get(f"{API}/sync/pull", headers={"Authorization": f"Bearer {wrong}"})
    env.http.post(f"{API}/enroll", json={"code": code})
    env.http.post(f"{API}/enroll", json={"code": code})  # used: refused and logged
    env.http.post(f"{API}/sync/push", content=b"\xff" * 10, headers=env.auth(k))
    log = env.log()
    assert "failed token checks" in log  # the failures are there, their secrets not
    secrets = [k.token, wrong, env.admin_token, code, code.replace("-", ""), *phones]
    for line in log.splitlines():
        for secret in secrets:
            assert secret not in line, line
        assert not re.search(r"\b1[3-9]\d{9}\b", line), line
        assert not re.search(r"(kt|at)_[A-Za-z0-9_\-]{20,}", line), line


def test_enrollment_guessing_is_slowed_and_logged_without_the_code(
    hostile_sqlite: HostileEnv,
) -> None:
    env = hostile_sqlite
    site = env.new_site()
    k = env.kiosk(site, "k")  # enrolled before the guessing starts
    guesses = [f"ZZZZ-ZZZZ-{i:04d}" for i in range(8)]
    answers = [env.http.post(f"{API}/enroll", json={"code": g}) for g in guesses]
    statuses = [r.status_code for r in answers]
    # five free failures per address (two came from the log test above), then 429s
    assert statuses[0] == 401 and statuses[5:] == [429] * 3, statuses
    waits = [int(r.headers["Retry-After"]) for r in answers if r.status_code == 429]
    assert waits and waits[0] >= 1
    # the kiosk of the same address still pushes
    env.check_in(k, "13912345678")
    assert k.client.sync_once().pushed == 1
    log = env.log()
    assert "failed enrollment attempts from 127.0.0.1" in log
    assert not any(g in log for g in guesses)

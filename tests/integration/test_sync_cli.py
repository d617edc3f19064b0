"""``kiosk-server`` from the command line: migrate, add a site, a kiosk, an admin, revoke."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kiosk.core.config.errors import DeniedError
from sync.client import enroll
from tests.support.harness import ROOT, ServerProcess

pytestmark = pytest.mark.integration


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.server.cli", "--database-url", url, *args],
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        timeout=60,
    )


def test_manage_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    assert _cli(url, "migrate").returncode == 0
    assert (
        _cli(url, "add-site", "t1", "--name-zh", "一号楼", "--name-en", "Tower 1").returncode == 0
    )
    again = _cli(url, "add-site", "t1", "--name-zh", "x", "--name-en", "x")
    assert again.returncode == 1 and "exists" in again.stderr
    assert _cli(url, "add-kiosk", "--site", "nope").returncode == 1
    out = _cli(url, "add-kiosk", "--site", "t1", "--name", "east").stdout.splitlines()
    kiosk_id, code = out[0].split()[1], out[-1]
    token = _cli(url, "add-admin", "alice").stdout.splitlines()[-1]
    assert token.startswith("at_")

    server = ServerProcess(url).start()
    try:
        done = enroll(server.url, code, data_dir=tmp_path / "k")
        assert done.kiosk_id == kiosk_id
        kiosk_token = (tmp_path / "k" / "head-office.token").read_text()
        auth = {"Authorization": f"Bearer {kiosk_token}"}
        assert httpx.get(f"{server.url}/api/v1/sync/pull", headers=auth).status_code == 200
        listed = httpx.get(
            f"{server.url}/api/v1/kiosks", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert [k["id"] for k in listed] == [kiosk_id]
        assert _cli(url, "revoke-kiosk", kiosk_id).returncode == 0
        assert httpx.get(f"{server.url}/api/v1/sync/pull", headers=auth).status_code == 401
        with pytest.raises(DeniedError):
            enroll(server.url, code, data_dir=tmp_path / "k2")
    finally:
        server.stop()

"""``kiosk-server serve --workers 2`` answers: its children get time to import the app (the
supervisor's 5 s default killed each child still importing it on a busy machine, for ever)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.harness import HeadOffice, ServerProcess, enrolled_kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_two_workers_serve_a_kiosk(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    ho = HeadOffice(url)
    ho.add_site("w1")
    server = ServerProcess(url, log_path=tmp_path / "server.log", workers=2).start(timeout=120)
    try:
        kiosk = enrolled_kiosk(server.url, ho.add_kiosk("w1"), tmp_path / "k")
        try:
            kiosk.client.sync_once()
            auth = {"Authorization": f"Bearer {kiosk.token}"}
            mark = int(kiosk.store.get_value("sync.cursor", "0") or 0)
            with httpx.Client(base_url=server.url, timeout=10) as http:
                for _ in range(8):  # spread over both children by the kernel
                    page = http.get("/api/v1/sync/pull", params={"after": mark}, headers=auth)
                    assert page.json() == {"changes": [], "cursor": mark, "more": False}
        finally:
            kiosk.close()
    finally:
        server.stop()
        ho.close()

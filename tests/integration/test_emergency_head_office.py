"""Head office starts a drill for a site: the kiosk (the app's own wiring, sync rounds by hand)
switches on its next pull and reports its switch back; head office ends it (a second end is a
409) and the kiosk goes back to normal; notes written afterwards on the kiosk and at head
office reach both records."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.core.config.settings import load_settings
from kiosk.services import build_services
from sync.client import enroll
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_head_office_starts_and_ends_a_drill_for_a_site(tmp_path: Path) -> None:
    ho = HeadOffice(f"sqlite:///{tmp_path / 'head-office.sqlite3'}")
    site = "s" + uuid.uuid4().hex[:8]
    ho.add_site(site, "示范大厦", "Demo Tower")
    server = ServerProcess(ho.database_url, log_path=tmp_path / "server.log").start()
    http = httpx.Client(
        base_url=f"{server.url}/api/v1",
        headers={"Authorization": f"Bearer {ho.add_admin('alice')}"},
        timeout=30,
    )
    services = None
    try:
        made = _ok(http.post("/kiosks", json={"site_id": site, "name": "lobby"}))
        enroll(server.url, made["enrollment_code"], data_dir=tmp_path / "k")
        settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path / "k")})
        settings = settings.replace("printer", out_dir=str(tmp_path / "k" / "badges"))
        services = build_services(settings, start_workers=False)
        assert services.sync is not None
        services.sync.sync_once()
        mode = services.emergency.mode
        assert mode.current() is None

        body = {"emergency": "evacuation", "drill": True, "by": "security-chief"}
        started = _ok(http.post(f"/sites/{site}/incidents", json=body))
        assert started["started_on"] == "head-office" and started["drill"]
        services.sync.sync_once()
        incident = mode.current()
        assert incident is not None and incident.id == started["id"]
        assert incident.emergency == "evacuation" and incident.started_by == "security-chief"
        services.sync.sync_once()  # the kiosk's switch reaches head office
        (record,) = _ok(http.get(f"/sites/{site}/incidents"))
        assert set(record["switched"]) == {services.settings.kiosk.id}

        end = {"by": "security-chief", "reason": "drill over"}
        assert _ok(http.post(f"/sites/{site}/incidents/end", json=end))["reason"] == "drill over"
        assert http.post(f"/sites/{site}/incidents/end", json=end).status_code == 409
        services.sync.sync_once()
        assert mode.current() is None and mode.latest().reason == "drill over"
        bad = http.post(f"/sites/{site}/incidents", json={**body, "emergency": "flood"})
        assert bad.status_code in (400, 422)

        # notes afterwards, from the kiosk and from head office: both records hold both
        mode.note(by="st-s", role="supervisor", incident_id=incident.id, text="出口B被堵住")
        note = {"by": "security-chief", "text": "Exit B: keep it clear"}
        _ok(http.post(f"/sites/{site}/incidents/{incident.id}/notes", json=note))
        assert http.post(f"/sites/{site}/incidents/nope/notes", json=note).status_code == 404
        empty = http.post(f"/sites/{site}/incidents/{incident.id}/notes", json={**note, "text": ""})
        assert empty.status_code in (400, 422)
        services.sync.sync_once()
        services.sync.sync_once()
        both = ["出口B被堵住", "Exit B: keep it clear"]
        (record,) = _ok(http.get(f"/sites/{site}/incidents"))
        assert sorted(n["text"] for n in record["notes"]) == sorted(both)
        assert sorted(n.text for n in mode.latest().notes) == sorted(both)
    finally:
        if services is not None:
            services.stop()
        http.close()
        server.stop()
        ho.close()

"""Access records reach head office and are checked there (issue 18, item 4), with a real
``kiosk-server``: a receptionist reveals a visitor's number and corrects the record on a kiosk,
the audit log syncs, ``kiosk-server audit verify`` finds every chain intact, ``who-saw`` answers
who looked at the person, and an entry altered, removed or reordered in head office's copy is
reported (exit 1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select, update

from kiosk.core.config.settings import Settings
from kiosk.core.reception import audit
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from sync.server.audit_log import verify_chains, who_saw
from sync.server.cli import main as server_cli
from sync.server.privacy_incidents import site_incidents
from sync.server.reception import AuditEntry
from tests.support.harness import HeadOffice, ServerProcess, enrolled_kiosk

pytestmark = pytest.mark.integration

MOBILE = "13812340000"


@pytest.fixture
def synced(tmp_path) -> Iterator[tuple[HeadOffice, str]]:
    url = f"sqlite:///{tmp_path / 'ho' / 'head-office.sqlite3'}"
    (tmp_path / "ho").mkdir()
    ho = HeadOffice(url)
    ho.add_site("s1", "一号楼", "One")
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    k = enrolled_kiosk(server.url, ho.add_kiosk("s1"), tmp_path / "kiosk")
    try:
        settings = (
            Settings()
            .replace("site", id="s1")
            .replace("kiosk", id=k.kiosk_id)
            .replace("checkin", required_fields=("name", "phone", "purpose"))
        )
        service = CheckinService(records=k.records, settings=settings, clock=k.store.clock)
        visit = service.check_in(
            CheckinForm(name="张伟", phone=MOBILE, purpose="meeting", consent=True)
        ).visit
        desk = audit.Actor("st-desk1", "receptionist")
        with k.store.transaction() as tx:
            audit.record(tx, desk, "staff.entered", site_id="s1", kiosk_id=k.kiosk_id)
            audit.record(  # what the board's Show phone writes
                tx,
                desk,
                "personal.revealed",
                site_id="s1",
                kiosk_id=k.kiosk_id,
                subject_kind="visitor",
                subject_id=visit.visitor_id,
                fields="phone",
            )
            audit.record(
                tx,
                desk,
                "visit.corrected",
                site_id="s1",
                kiosk_id=k.kiosk_id,
                subject_kind="visit",
                subject_id=visit.id,
                fields="company",
                reason="typo",
            )
        k.client.sync_once()
        yield ho, url
    finally:
        k.close()
        server.stop()
        ho.close()


def _cli(url: str, *args: str) -> int:
    return server_cli(["--database-url", url, "audit", *args])


def test_access_records_sync_and_verify_and_answer_who_saw(synced, capsys) -> None:
    ho, url = synced
    with ho.sessions() as s:
        [(chain, result)] = verify_chains(s, "s1").items()
        assert not chain.startswith("head-office:")  # the kiosk's own chain
        assert result.ok and result.entries == 3
        seen = who_saw(s, "s1", MOBILE)
        assert [(e.actor, e.action) for e in seen] == [
            ("st-desk1", "personal.revealed"),
            ("st-desk1", "visit.corrected"),
        ]
        assert who_saw(s, "s1", "13900000000") == []
    assert _cli(url, "verify") == 0
    assert _cli(url, "who-saw", "s1", MOBILE) == 0
    out = capsys.readouterr().out
    assert "chain intact" in out and "personal.revealed" in out
    assert MOBILE not in out and "张伟" not in out


@pytest.mark.parametrize("tamper", ["altered", "removed", "reordered"])
def test_a_tampered_removed_or_reordered_entry_is_reported(synced, tamper, capsys) -> None:
    ho, url = synced
    with ho.sessions() as s, s.begin():
        if tamper == "altered":
            s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(fields="nothing"))
        elif tamper == "removed":
            s.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        else:  # entries 2 and 3 swap places
            rows = {e.seq: e for e in s.scalars(select(AuditEntry))}
            rows[2].seq, rows[3].seq = 99, 2
            s.flush()
            rows[2].seq = 3
    with ho.sessions() as s:
        [result] = verify_chains(s, "s1").values()
    assert not result.ok
    expected = {"altered": "altered", "removed": "missing", "reordered": "out of order"}[tamper]
    assert any(expected in p.what for p in result.problems), result.problems
    assert _cli(url, "verify") == 1
    assert "problems" in capsys.readouterr().out


def test_an_incident_is_recorded_with_the_audit_extract_of_the_people(synced, capsys) -> None:
    ho, url = synced
    assert (
        server_cli(
            [
                "--database-url",
                url,
                "incident",
                "record",
                "s1",
                "--what",
                "visitor list printed",
                "--mobile",
                MOBILE,
                "--told",
                "the DPO",
                "--actions",
                "list shredded",
            ]
        )
        == 0
    )
    assert "2 audit entries attached" in capsys.readouterr().out
    with ho.sessions() as s:
        [incident] = site_incidents(s, "s1")
        assert incident.what == "visitor list printed" and len(incident.visitor_ids) == 1
        assert [e["action"] for e in incident.audit_extract] == [
            "personal.revealed",
            "visit.corrected",
        ]
        # recording it is itself in head office's chain of the site, which verifies
        assert verify_chains(s, "s1")["head-office:s1"].ok
    assert server_cli(["--database-url", url, "incident", "list", "s1"]) == 0
    listed = capsys.readouterr().out
    assert "visitor list printed" in listed and MOBILE not in listed

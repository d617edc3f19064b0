"""The audit chain: verified whole, and an altered, removed or reordered entry is found."""

from __future__ import annotations

import itertools

import pytest

from kiosk.cli import main
from kiosk.core.reception import audit
from tests.unit.reception_fixtures import DESK_PIN, kiosk


@pytest.fixture
def services(tmp_path):
    s = kiosk(tmp_path)
    staff = s.reception.staff
    staff.add("前台王", "receptionist", DESK_PIN)
    for _ in range(3):
        staff.lock(staff.enter(DESK_PIN))
    yield s
    s.stop()


def _problems(services) -> list[str]:
    return [str(p) for p in audit.verify(services.store).problems]


def test_an_untouched_chain_verifies_and_each_entry_went_out_as_an_event(services):
    result = audit.verify(services.store)
    assert result.ok and result.entries == 7
    rows = services.store.query("SELECT * FROM audit_log ORDER BY seq")
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))
    events = services.store.query("SELECT entity_id FROM outbox WHERE kind = 'audit.recorded'")
    assert {r["entity_id"] for r in events} == {r["id"] for r in rows}


def test_an_altered_entry_is_found(services):
    services.store.conn.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3")
    assert _problems(services) == ["entry 3: altered (its hash does not match its contents)"]


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(services):
    row = dict(services.store.query_one("SELECT * FROM audit_log WHERE seq = 3"))
    row["action"] = "staff.disabled"
    forged = audit.entry_hash(row)
    services.store.conn.execute(
        "UPDATE audit_log SET action=?, hash=? WHERE seq=3", (row["action"], forged)
    )
    assert _problems(services) == ["entry 4: out of order (its previous hash does not match)"]


def test_a_removed_entry_is_found(services):
    services.store.conn.execute("DELETE FROM audit_log WHERE seq = 4")
    assert _problems(services)[0] == "entry 4: missing"


def test_a_removed_last_entry_is_found(services):
    services.store.conn.execute("DELETE FROM audit_log WHERE seq = 7")
    assert _problems(services) == ["entry 7: missing (the chain ends early)"]


def test_reordered_entries_are_found(services):
    conn = services.store.conn
    conn.execute("UPDATE audit_log SET seq = 1000 WHERE seq = 2")
    conn.execute("UPDATE audit_log SET seq = 2 WHERE seq = 5")
    conn.execute("UPDATE audit_log SET seq = 5 WHERE seq = 1000")
    problems = _problems(services)
    assert "entry 2: out of order (its previous hash does not match)" in problems
    assert "entry 2: altered (its hash does not match its contents)" in problems


def test_kiosk_audit_verify_exits_non_zero_on_tampering(services, tmp_path, capsys):
    args = ["--data-dir", str(tmp_path), "audit", "verify"]
    assert main(args) == 0
    assert "7 entries, chain intact" in capsys.readouterr().out
    services.store.conn.execute("UPDATE audit_log SET reason = 'x' WHERE seq = 6")
    assert main(args) == 1
    assert "entry 6: altered" in capsys.readouterr().out

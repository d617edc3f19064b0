"""The schema sequence assembled from the repositories' own steps (kiosk/core/store/schema.py)."""

from __future__ import annotations

import sqlite3
import sys
import types

import pytest

from kiosk.core.store import schema
from kiosk.core.store.schema import Step


@pytest.fixture
def modules(monkeypatch):
    def install(name: str, *steps: Step) -> str:
        module = types.ModuleType(name)
        module.SCHEMA = steps  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, name, module)
        return name

    return install


def test_each_version_is_its_owners_steps_in_owner_order(modules):
    a = modules("repo_a", Step(1, "CREATE TABLE a (id)"), Step(3, "ALTER TABLE a ADD COLUMN x"))
    b = modules(
        "repo_b",
        Step(1, "CREATE TABLE b (id); CREATE INDEX b_id ON b(id)"),
        Step(2, "CREATE TABLE c (id)"),
    )
    versions = schema._assemble((a, b))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].statements() == [
        "CREATE TABLE a (id)",
        "CREATE TABLE b (id)",
        "CREATE INDEX b_id ON b(id)",
    ]
    assert [owner for owner, _ in versions[0].parts] == [a, b]


def test_a_gap_in_the_versions_is_refused(modules):
    a = modules("repo_gap", Step(1, "CREATE TABLE a (id)"), Step(3, "CREATE TABLE c (id)"))
    with pytest.raises(ValueError, match=r"\[2\] have no step"):
        schema._assemble((a,))


def test_an_owner_without_steps_is_refused(modules):
    with pytest.raises(ValueError, match="declares no SCHEMA"):
        schema._assemble((modules("repo_empty"),))


def test_the_kiosks_owners_make_a_sequence_with_every_table_created_once():
    versions = schema.migrations()
    assert [v.number for v in versions] == list(range(1, len(versions) + 1))
    conn = sqlite3.connect(":memory:")
    # as on the store's connections (a step may fill a new column from sealed records)
    conn.create_function("open_field", 3, lambda text, _t, _c: text, deterministic=True)
    for version in versions:
        for statement in version.statements():
            conn.execute(statement)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"visits", "visitors", "invitations", "hosts", "outbox", "kv", "alerts"} <= tables
    for owner in schema.OWNERS:
        assert sys.modules[owner].SCHEMA, owner

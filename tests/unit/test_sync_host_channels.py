"""A pulled ``host.upserted`` carries the host's own notify URLs onto the kiosk; a change
written before head office carried them leaves the kiosk's URLs alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.models import Department, Host, Site, host_from_dict
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from sync.apply import apply_change
from sync.protocol import ChangeOut

MAIL = "mailto://user:s3cret@mail.example.com?to=li@example.com"
HOOK = "json://hooks.example.com/li"


@pytest.fixture
def records(tmp_path) -> Iterator[Records]:
    store = Store(tmp_path / "k.sqlite3", clock=FakeClock())
    records = Records(store)
    with store.transaction() as tx:
        records.upsert_site(tx, Site("s1", "一号", "One"))
        records.upsert_department(tx, Department("d1", "s1", "研发", "R&D"))
    yield records
    store.close()


def _apply(records: Records, payload: dict) -> bool:
    change = ChangeOut(
        cursor=1, kind="host.upserted", entity_id=payload["id"], hlc="", payload=payload
    )
    with records.store.transaction() as tx:
        return apply_change(records, tx, change, site_id="s1", kiosk_id="k1")


def _payload(**extra) -> dict:
    return {"id": "h1", "site_id": "s1", "department_id": "d1", "name_zh": "李娜", **extra}


def _local_host(records: Records, urls: tuple[str, ...]) -> None:
    with records.store.transaction() as tx:
        records.upsert_host(tx, Host("h1", "s1", "d1", "李娜", "Li Na", notify_urls=urls))


def test_the_changes_urls_replace_the_kiosks(records: Records) -> None:
    _local_host(records, (HOOK,))
    assert _apply(records, _payload(notify_urls=[MAIL]))
    assert records.host("h1").notify_urls == (MAIL,)


def test_an_empty_list_clears_them(records: Records) -> None:
    _local_host(records, (HOOK,))
    assert _apply(records, _payload(notify_urls=[]))
    assert records.host("h1").notify_urls == ()


def test_a_change_without_the_key_keeps_the_kiosks_urls(records: Records) -> None:
    _local_host(records, (HOOK, MAIL))
    assert _apply(records, _payload(name_en="Lina"))
    host = records.host("h1")
    assert host.notify_urls == (HOOK, MAIL)
    assert host.name_en == "Lina"


def test_a_new_host_without_the_key_has_no_urls(records: Records) -> None:
    assert _apply(records, _payload())
    assert records.host("h1").notify_urls == ()


@pytest.mark.parametrize("bad", [MAIL, [MAIL, 7], None])
def test_urls_that_are_not_a_list_of_strings_skip_the_change(records: Records, bad) -> None:
    _local_host(records, (HOOK,))
    assert not _apply(records, _payload(notify_urls=bad, name_en="Changed"))
    host = records.host("h1")
    assert host.notify_urls == (HOOK,) and host.name_en == "Li Na"


def test_host_from_dict_takes_defaults_and_the_callers_ids() -> None:
    host = host_from_dict(
        {"id": "h2", "department": "ignored", "away": 1},
        site_id="s1",
        department_id="d1",
        delegate_id="h1",
    )
    assert host == Host(
        "h2", "s1", "d1", "", "", language="zh_CN", away=True, delegate_id="h1", notify_urls=()
    )

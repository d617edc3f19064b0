"""``kiosk import-directory`` on a real kiosk data directory, through the ``kiosk`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import ROWS_REFUSED, main
from kiosk.core.config.clock import SystemClock
from kiosk.core.directory.demo import DEMO_DIR
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[site]\nid = "demo"\n\n[kiosk]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8"
    )
    return path


def _hosts(tmp_path: Path) -> dict:
    store = Store(tmp_path / "data" / "kiosk.sqlite3", clock=SystemClock())
    try:
        return {h.id: h for h in Records(store).hosts("demo")}
    finally:
        store.close()


def test_json_then_a_gb18030_csv_with_a_dry_run_and_bad_rows(config, tmp_path, capsys) -> None:
    demo = str(DEMO_DIR / "directory.json")
    assert main(["--config", str(config), "import-directory", demo, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "hosts: 42 added (h001, h002" in out and "dry run: nothing written" in out
    assert "42 hosts have an e-mail address but no mail server is set" in out
    assert _hosts(tmp_path) == {}

    assert main(["--config", str(config), "import-directory", demo]) == 0
    hosts = _hosts(tmp_path)
    assert len(hosts) == 42 and hosts["h002"].delegate_id == "h001"

    sheet = tmp_path / "通讯录.csv"
    sheet.write_bytes(
        "工号,姓名,部门,手机\r\nh002,王伟伟,研发部,13800000002\r\nh100,新人,研发部,12345\r\n"
        "h101,=1+1,研发部,\r\n".encode("gb18030")
    )
    code = main(["--config", str(config), "import-directory", str(sheet)])
    out, err = capsys.readouterr()
    assert code == ROWS_REFUSED and "1 problems" in err
    assert "refused: row 4, name_zh: '=1+1' looks like a spreadsheet formula" in out
    assert "hosts: 1 added (h100), 1 changed (h002), 0 unchanged" in out
    hosts = _hosts(tmp_path)
    assert hosts["h002"].name_zh == "王伟伟"
    assert hosts["h002"].delegate_id == "h001" and hosts["h002"].room == "505"  # kept
    assert hosts["h100"].phone == "12345" and "h101" not in hosts


def test_a_file_that_cannot_be_read_writes_nothing(config, tmp_path, capsys) -> None:
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"id,name_zh,department\nh1,\x80\xff,rnd\n")
    assert main(["--config", str(config), "import-directory", str(bad)]) == 1
    assert "neither UTF-8 nor GB18030" in capsys.readouterr().err
    assert _hosts(tmp_path) == {}


def test_an_enrolled_kiosk_imports_at_head_office(config, tmp_path, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "enrollment.json").write_text(
        json.dumps(
            {
                "kiosk_id": "k1",
                "site_id": "demo",
                "url": "https://ho.example",
                "site_name_zh": "示范大厦",
                "site_name_en": "Demo Tower",
                "site_timezone": "Asia/Shanghai",
            }
        )
    )
    (data / "head-office.token").write_text("kt_x")
    demo = str(DEMO_DIR / "directory.json")
    assert main(["--config", str(config), "import-directory", demo]) == 1
    assert "kiosk-server import-directory SITE FILE" in capsys.readouterr().err

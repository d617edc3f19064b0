"""Settings: defaults, the TOML file, environment overrides, and refusing bad files."""

from __future__ import annotations

import pytest

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings import load_settings
from kiosk.core.config.settings_toml import render_toml


def write(tmp_path, text):
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path):
    s = load_settings(tmp_path / "missing.toml" if False else None, environ={})
    assert s.kiosk.idle_timeout == 45.0
    assert s.kiosk.idle_countdown == 10.0
    assert s.kiosk.languages == ("zh_CN", "en")
    assert s.printer.backend == "file"


def test_file_then_environment(tmp_path):
    path = write(tmp_path, '[site]\nname_en = "Harbour Plaza"\n[kiosk]\nidle_timeout = 30\n')
    s = load_settings(path, environ={"KIOSK_KIOSK_IDLE_TIMEOUT": "60", "KIOSK_PRINTER_QUEUE": "QL"})
    assert s.site.name_en == "Harbour Plaza"
    assert s.kiosk.idle_timeout == 60.0
    assert s.printer.queue == "QL"
    assert s.source == str(path)


def test_print_config_round_trips(tmp_path):
    s = load_settings(environ={"KIOSK_CHECKIN_PURPOSES": "meeting, delivery"})
    assert s.checkin.purposes == ("meeting", "delivery")
    again = load_settings(write(tmp_path, render_toml(s)), environ={})
    assert again.to_dict() == s.to_dict()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[kiosk]\nidle_timeout = "soon"\n', r"line 2: key 'kiosk.idle_timeout' must be a number"),
        ("[kiosk]\nidle_timout = 3\n", r"line 2: unknown key 'kiosk.idle_timout'"),
        ("[kiosk\nidle_timeout = 3\n", r"not valid TOML"),
        ("[printer]\nbackend = 'cups'\n\n[nonsense]\nx = 1\n", r"line 4: unknown section or key"),
        ("[kiosk]\nfullscreen = 1\n", r"'kiosk.fullscreen' must be true or false"),
        ("[checkin]\npurposes = 'meeting'\n", r"'checkin.purposes' must be a list of strings"),
    ],
)
def test_a_bad_file_names_the_file_line_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=expected) as info:
        load_settings(path, environ={})
    assert str(path) in str(info.value)


def test_a_bad_environment_value_is_refused():
    with pytest.raises(ConfigError, match="KIOSK_KIOSK_IDLE_TIMEOUT"):
        load_settings(environ={"KIOSK_KIOSK_IDLE_TIMEOUT": "abc"})


def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(path, environ={})


def test_the_kiosk_refuses_to_start_on_a_bad_file(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, "[kiosk]\nidle_timeout = 'x'\n")
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(path), "--print-config"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "configuration error" in run.stderr and "line 2" in run.stderr


def test_print_config_shows_the_enrolled_ids_in_force_and_marks_them(tmp_path):
    import json
    import subprocess
    import sys

    from kiosk.core.head_office.enrollment import ENROLLMENT_FILE, TOKEN_FILE

    data = tmp_path / "data"
    data.mkdir()
    path = write(tmp_path, f'[kiosk]\nid = "lobby-1"\ndata_dir = "{data}"\n\n[site]\nid = "x"\n')

    def printed() -> str:
        run = subprocess.run(
            [sys.executable, "-m", "kiosk", "--config", str(path), "--print-config"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout

    alone = printed()
    assert 'id = "lobby-1"\n' in alone and "from enrollment" not in alone
    (data / TOKEN_FILE).write_text("kt_secret")
    (data / ENROLLMENT_FILE).write_text(
        json.dumps(
            {
                "url": "https://ho.example.com",
                "kiosk_id": "tower-k7",
                "site_id": "tower",
                "site_name_zh": "示范大厦",
                "site_name_en": "Tower One",
                "site_timezone": "Asia/Shanghai",
            }
        )
    )
    enrolled = printed()
    assert 'id = "tower-k7"  # from enrollment' in enrolled
    assert 'id = "tower"  # from enrollment' in enrolled
    assert 'name_en = "Tower One"  # from enrollment' in enrolled
    assert "lobby-1" not in enrolled and "kt_secret" not in enrolled
    # values enrollment did not change are not marked
    assert 'timezone = "Asia/Shanghai"\n' in enrolled
    again = load_settings(write(tmp_path, enrolled), environ={})  # still valid TOML
    assert again.kiosk.id == "tower-k7"

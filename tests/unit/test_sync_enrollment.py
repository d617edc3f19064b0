"""Enrollment on the kiosk: safe URLs only, the token in a private file, clear refusals.

The file handling is the core's (``kiosk.core.head_office.enrollment``); the HTTP is the
head-office client's, exercised here through the in-process ``FakeHeadOffice`` and in
tests/unit/test_head_office_client.py against a loopback server.
"""

from __future__ import annotations

import os
import stat

import pytest

from kiosk.core.config.errors import ConfigError, DeniedError, TransportError
from kiosk.core.head_office.enrollment import check_url, enroll, load_enrollment
from kiosk.core.head_office.protocol import EnrollAnswer
from sync.client import HeadOfficeClient
from sync.fake import FakeHeadOffice


def test_plain_http_only_to_loopback() -> None:
    assert check_url("https://ho.example.com/") == "https://ho.example.com"
    assert check_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    for bad in ("http://ho.example.com", "ftp://x", "ho.example.com", "https://"):
        with pytest.raises(ConfigError):
            check_url(bad)


def _head_office() -> FakeHeadOffice:
    ho = FakeHeadOffice("https://ho.example.com", ca_bundle="/etc/kiosk/ca.pem")
    ho.codes["K7QM-2XTP-9HRD"] = EnrollAnswer(
        kiosk_id="tower-a-1",
        site_id="tower-a",
        site_name_zh="甲座",
        site_name_en="Tower A",
        site_timezone="Asia/Shanghai",
        token="kt_secret",
    )
    return ho


def test_token_file_is_private_and_the_enrollment_reloads(tmp_path) -> None:
    done = enroll(_head_office(), " K7QM-2XTP-9HRD ", data_dir=tmp_path)
    assert done.kiosk_id == "tower-a-1"
    assert (done.url, done.ca_bundle) == ("https://ho.example.com", "/etc/kiosk/ca.pem")
    token_file = tmp_path / "head-office.token"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "enrollment.json").st_mode) == 0o600
    assert not list(tmp_path.glob("*.tmp"))
    assert load_enrollment(tmp_path) == (done, "kt_secret")
    assert load_enrollment(tmp_path / "nowhere") is None
    assert "kt_secret" not in (tmp_path / "enrollment.json").read_text()


def test_refusals_are_translated_and_write_nothing(tmp_path) -> None:
    ho = _head_office()
    with pytest.raises(DeniedError) as refused:
        enroll(ho, "UNKNOWN-CODE", data_dir=tmp_path)
    assert refused.value.message_key == "enroll.denied"
    ho.fail_with = TransportError("head office answered 503: busy")
    with pytest.raises(TransportError):
        enroll(ho, "K7QM-2XTP-9HRD", data_dir=tmp_path)
    assert not (tmp_path / "head-office.token").exists()


def test_a_missing_ca_bundle_is_an_error_not_an_unverified_connection(tmp_path) -> None:
    with pytest.raises(ConfigError, match="CA bundle"):
        HeadOfficeClient("https://ho.example.com", ca_bundle=str(tmp_path / "missing.pem"))


def test_the_client_refuses_what_enrollment_refuses(tmp_path) -> None:
    with pytest.raises(ConfigError):
        HeadOfficeClient("http://ho.example.com", "kt_x")
    with pytest.raises(ConfigError):
        HeadOfficeClient("https://ho.example.com", "kt_x", ca_bundle=str(tmp_path / "none.pem"))
    HeadOfficeClient("https://ho.example.com", "kt_x").close()

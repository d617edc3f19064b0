"""Enrollment on the kiosk: safe URLs only, the token in a private file, clear refusals."""

from __future__ import annotations

import json
import os
import stat

import httpx
import pytest

from kiosk.core.config.errors import ConfigError, DeniedError, TransportError
from kiosk.core.head_office.enrollment import check_url, enroll, load_enrollment


def test_plain_http_only_to_loopback() -> None:
    assert check_url("https://ho.example.com/") == "https://ho.example.com"
    assert check_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    for bad in ("http://ho.example.com", "ftp://x", "ho.example.com", "https://"):
        with pytest.raises(ConfigError):
            check_url(bad)


def _server(status: int, body: dict):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/enroll"
        assert json.loads(request.content) == {"code": "K7QM-2XTP-9HRD"}
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler)


def test_token_file_is_private_and_the_enrollment_reloads(tmp_path) -> None:
    body = {
        "kiosk_id": "tower-a-1",
        "site_id": "tower-a",
        "site_name_zh": "甲座",
        "site_name_en": "Tower A",
        "site_timezone": "Asia/Shanghai",
        "token": "kt_secret",
    }
    done = enroll(
        "https://ho.example.com",
        " K7QM-2XTP-9HRD ",
        data_dir=tmp_path,
        transport=_server(200, body),
    )
    assert done.kiosk_id == "tower-a-1"
    token_file = tmp_path / "head-office.token"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert load_enrollment(tmp_path) == (done, "kt_secret")
    assert load_enrollment(tmp_path / "nowhere") is None


def test_refusals_are_translated(tmp_path) -> None:
    with pytest.raises(DeniedError):
        enroll(
            "https://ho.example.com",
            "K7QM-2XTP-9HRD",
            data_dir=tmp_path,
            transport=_server(401, {"detail": "no"}),
        )
    with pytest.raises(TransportError):
        enroll(
            "https://ho.example.com",
            "K7QM-2XTP-9HRD",
            data_dir=tmp_path,
            transport=_server(503, {"detail": "busy"}),
        )
    assert not (tmp_path / "head-office.token").exists()


def test_a_missing_ca_bundle_is_an_error_not_an_unverified_connection(tmp_path) -> None:
    with pytest.raises(ConfigError):
        enroll(
            "https://ho.example.com",
            "K7QM-2XTP-9HRD",
            data_dir=tmp_path,
            ca_bundle=str(tmp_path / "missing.pem"),
        )


def test_the_sync_transport_refuses_what_enrollment_refuses(tmp_path) -> None:
    from sync.client import HttpTransport

    with pytest.raises(ConfigError):
        HttpTransport("http://ho.example.com", "kt_x")
    with pytest.raises(ConfigError):
        HttpTransport("https://ho.example.com", "kt_x", ca_bundle=str(tmp_path / "none.pem"))
    HttpTransport("https://ho.example.com", "kt_x").close()

"""Head office over HTTPS: a kiosk-server behind uvicorn's TLS options, with a CA made here.

The kiosk enrolls, pushes and pulls through it with ``ca_bundle`` (through the app's own
wiring, ``build_services``); a certificate from another CA, or for another host name, is
refused with a message that says which, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.core.config.errors import TransportError
from kiosk.core.config.settings import load_settings
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import build_services
from sync.client import HeadOfficeClient, enroll
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = pytest.mark.integration


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(folder: Path, name: str) -> tuple[Path, ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    path = folder / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path, key, cert


def make_server_cert(
    folder: Path, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, host: str
) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{host}.crt", folder / f"{host}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class TlsEnv:
    ho: HeadOffice
    server: ServerProcess
    ca: Path
    other_ca: Path
    admin: str


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Iterator[TlsEnv]:
    folder = tmp_path_factory.mktemp("tls")
    ca, ca_key, ca_cert = make_ca(folder, "lobby-test-ca")
    other_ca, _, _ = make_ca(folder, "someone-else-ca")
    url = f"sqlite:///{folder / 'ho.sqlite3'}"
    ho = HeadOffice(url)
    ho.add_site("demo", "示范大厦", "Demo Tower")
    server = ServerProcess(
        url,
        log_path=folder / "server.log",
        tls=make_server_cert(folder, ca_key, ca_cert, "localhost"),
        ca_bundle=str(ca),
    ).start()
    yield TlsEnv(ho, server, ca, other_ca, ho.add_admin("tls"))
    server.stop()
    ho.close()


def test_enroll_push_and_pull_over_https_with_the_private_ca(tls: TlsEnv, tmp_path) -> None:
    assert tls.server.url.startswith("https://localhost:")
    done = enroll(
        tls.server.url, tls.ho.add_kiosk("demo"), data_dir=tmp_path, ca_bundle=str(tls.ca)
    )
    assert done.ca_bundle == str(tls.ca)  # kept for the sync client
    # the admin's calls, verified against the same CA (per request: requests lets
    # $REQUESTS_CA_BUNDLE override a Session's verify, which is why the client does too)
    admin = requests.Session()
    admin.headers["Authorization"] = f"Bearer {tls.admin}"
    for path, body in (
        (
            "/api/v1/departments/demo-rnd",
            {"site_id": "demo", "name_zh": "研发部", "name_en": "R&D"},
        ),
        (
            "/api/v1/hosts/demo-h1",
            {"site_id": "demo", "department_id": "demo-rnd", "name_zh": "李娜"},
        ),
    ):
        r = admin.put(tls.server.url + path, json=body, timeout=10, verify=str(tls.ca))
        assert r.status_code == 200, r.text
    settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path)})
    services = build_services(settings, start_workers=False)
    try:
        assert services.head_office.ca_bundle == str(tls.ca)
        assert services.sync.head_office is services.head_office  # one client, shared
        assert services.sync.sync_once().pulled >= 2  # the directory arrives by pull
        assert [h.id for h in services.records.hosts("demo")] == ["demo-h1"]
        visit = services.checkin.check_in(
            CheckinForm(
                name="张伟", phone="13800000000", purpose="meeting", host_id="demo-h1", consent=True
            )
        )
        assert services.sync.sync_once().pushed >= 1
        assert services.store.pending("sync") == 0
        visits = admin.get(
            f"{tls.server.url}/api/v1/visits",
            params={"site_id": "demo"},
            timeout=10,
            verify=str(tls.ca),
        ).json()
        assert visit.visit.id in [v["id"] for v in visits]
        assert services.site_keys.fetch_now()  # the keys come through the same client
    finally:
        services.stop()
        admin.close()


def test_a_certificate_from_another_ca_is_refused_clearly(tls: TlsEnv, tmp_path) -> None:
    for ca_bundle in (str(tls.other_ca), ""):  # someone else's CA; the system's CAs
        with pytest.raises(TransportError) as refused:
            enroll(tls.server.url, tls.ho.add_kiosk("demo"), data_dir=tmp_path, ca_bundle=ca_bundle)
        message = str(refused.value)
        assert "failed the TLS check" in message and "not trusted" in message, message
        assert "ca_bundle" in message
    assert not (tmp_path / "head-office.token").exists()


def test_a_certificate_for_another_host_is_refused_clearly(tls: TlsEnv) -> None:
    by_address = tls.server.url.replace("localhost", "127.0.0.1")
    client = HeadOfficeClient(by_address, "kt_x", ca_bundle=str(tls.ca))
    with pytest.raises(TransportError) as refused:
        client.pull(0, 10)
    client.close()
    assert "certificate is for another host" in str(refused.value), str(refused.value)

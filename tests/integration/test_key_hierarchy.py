"""Head office's key hierarchy with the real ``kiosk-server``: master secret, sharing, rotation.

``kiosk-server migrate`` creates the master secret once; two server processes on one database
sign and verify with the same keys; ``rotate-key`` starts a new version while links of the old
one keep working; an enrolled kiosk fetches the new key after the rotation reaches it through
its pull; the environment's secret wins; a secret file others may read is refused.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk.core.config.clock import SystemClock
from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey, derive
from kiosk.core.keys.site_keys import SiteKeys
from kiosk.core.notify.reply_links import ReplyToken, peek_key, reply_url, sign
from sync.client import HeadOfficeClient
from sync.server.keys import LEGACY_SECRET_ENV, PUBLIC_URL_ENV, SECRET_ENV, SECRET_FILE_ENV
from tests.support.harness import ROOT, HeadOffice, ServerProcess, enrolled_kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(autouse=True)
def no_secret_in_the_environment(monkeypatch) -> None:
    for name in (SECRET_ENV, LEGACY_SECRET_ENV, SECRET_FILE_ENV, PUBLIC_URL_ENV):
        monkeypatch.delenv(name, raising=False)


def cli(url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "sync.server.cli", "--database-url", url, *args],
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def stored_secret(url: str) -> str:
    from sync.server.db import make_engine, make_sessionmaker
    from sync.server.keys import MASTER, ServerSecret

    engine = make_engine(url, pool_size=1)
    try:
        with make_sessionmaker(engine)() as s:
            row = s.get(ServerSecret, MASTER)
            return row.value if row else ""
    finally:
        engine.dispose()


def reply_link(server_url: str, key, *, expires_in: int = 600, reply_id: str = "r1") -> str:
    token = ReplyToken(
        "demo",
        "v1",
        "coming",
        0,
        "host:h1",
        reply_id,
        int(time.time()) + expires_in,
        key_version=key.version,
    )
    return reply_url(server_url, sign(key.key, token))


def test_migrate_creates_the_master_secret_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    first = cli(url, "migrate")
    assert first.returncode == 0, first.stderr
    assert "master secret created in the database" in first.stdout
    secret = stored_secret(url)
    assert len(bytes.fromhex(secret)) == 32
    again = cli(url, "migrate")
    assert again.returncode == 0 and "master secret: the database" in again.stdout
    assert stored_secret(url) == secret


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def two_servers(database, tmp_path) -> Iterator[tuple[HeadOffice, ServerProcess, ServerProcess]]:
    ho = HeadOffice(database)  # migrates the way ``kiosk-server migrate`` does
    ho.add_site("demo", "示范大厦", "Demo Tower")
    one = ServerProcess(database, log_path=tmp_path / "one.log").start()
    two = ServerProcess(database, log_path=tmp_path / "two.log").start()
    yield ho, one, two
    one.stop()
    two.stop()
    ho.close()


def test_two_servers_on_one_database_share_keys_and_rotation_keeps_old_links(
    two_servers, tmp_path
) -> None:
    ho, one, two = two_servers
    kiosk = enrolled_kiosk(one.url, ho.add_kiosk("demo"), tmp_path / "kiosk")
    keys = SiteKeys(
        store=kiosk.store, clock=SystemClock(), head_office=HeadOfficeClient(one.url, kiosk.token)
    )
    try:
        keys.refresh()
        keys.wait()
        before = keys.current(KeyPurpose.REPLY_LINK)
        assert before is not None and before.version == 1
        assert keys.current(KeyPurpose.ROUTE_LINK) is not None
        # signed with the key fetched from one server, the link opens on the other
        old_link = reply_link(two.url, before)
        page = httpx.get(old_link, timeout=10)
        assert page.status_code == 200 and "确认：我马上来" in page.text

        done = cli(ho.database_url, "rotate-key", "demo", "reply-link")
        assert done.returncode == 0, done.stderr
        assert "version 2" in done.stdout
        assert not keys.needs_fetch()  # the kiosk learns of it through its pull
        kiosk.client.sync_once()
        assert keys.needs_fetch()
        keys.refresh()
        keys.wait()
        after = keys.current(KeyPurpose.REPLY_LINK)
        assert after is not None and after.version == 2 and after.key != before.key
        assert keys.current(KeyPurpose.ROUTE_LINK).version == 1  # only that purpose rotated

        new_link = reply_link(one.url, after, reply_id="r2")
        assert peek_key(new_link.rsplit("/", 1)[1]) == ("demo", 2)
        for link in (new_link, old_link.replace(two.url, one.url)):
            assert httpx.get(link, timeout=10).status_code == 200, link
        # the old key no longer vouches for a link that would outlive the rotation's grace
        too_long = reply_link(two.url, before, expires_in=8 * 24 * 3600, reply_id="r3")
        assert httpx.get(too_long, timeout=10).status_code == 410
        # a version head office never made is refused
        future = reply_link(two.url, type(after)(after.purpose, 3, after.key), reply_id="r4")
        assert httpx.get(future, timeout=10).status_code == 400
        # the keys survive a restart of the kiosk: kept in its store
        again = SiteKeys(store=kiosk.store, clock=SystemClock(), head_office_url=one.url)
        assert again.current(KeyPurpose.REPLY_LINK) == after
    finally:
        kiosk.close()


def test_the_environment_secret_wins_and_a_readable_secret_file_is_refused(
    tmp_path, monkeypatch
) -> None:
    url = f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    ho = HeadOffice(url)
    ho.add_site("demo", "示范大厦", "Demo Tower")
    code = ho.add_kiosk("demo")
    monkeypatch.setenv(SECRET_ENV, "the operator's own secret")
    monkeypatch.setenv(PUBLIC_URL_ENV, "https://visitors.example.com")
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    try:
        kiosk = enrolled_kiosk(server.url, code, tmp_path / "kiosk")
        with_token = HeadOfficeClient(server.url, kiosk.token)
        answer = with_token.fetch_keys()
        with_token.close()
        assert answer.public_url == "https://visitors.example.com"  # where links will point
        got = answer.keys[KeyPurpose.REPLY_LINK]
        assert got.key == derive(b"the operator's own secret", KeyPurpose.REPLY_LINK, "demo")
        assert got.key != derive(bytes.fromhex(stored_secret(url)), KeyPurpose.REPLY_LINK, "demo")
        kiosk.close()
    finally:
        server.stop()
        ho.close()
    log = (tmp_path / "server.log").read_text()
    assert "operator's own secret" not in log and got.key.hex() not in log
    assert "warning" not in log  # a secret and a public URL: nothing to warn about
    monkeypatch.delenv(SECRET_ENV)

    secret_file = tmp_path / "master.secret"
    secret_file.write_text("a secret kept in a file\n")
    secret_file.chmod(0o644)
    for command in (["migrate"], ["serve", "--port", "1"]):
        refused = cli(url, "--secret-file", str(secret_file), *command)
        assert refused.returncode == 1, refused.stdout
        assert str(secret_file) in refused.stderr and "chmod 600" in refused.stderr
        assert "Traceback" not in refused.stderr
    secret_file.chmod(0o600)
    accepted = cli(url, "migrate", env={SECRET_FILE_ENV: str(secret_file)})
    assert accepted.returncode == 0, accepted.stderr
    assert f"master secret: file {secret_file}" in accepted.stdout


def test_serve_warns_without_a_master_secret_and_links_are_refused(tmp_path) -> None:
    from sync.server.db import make_engine
    from sync.server.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)  # the schema only, as if migrate never ran and serve got --no-migrate
    engine.dispose()
    log_path = tmp_path / "server.log"
    server = ServerProcess(url, log_path=log_path).start()
    try:
        guessed = SiteKey(KeyPurpose.REPLY_LINK, 1, derive(b"guess", KeyPurpose.REPLY_LINK, "demo"))
        page = httpx.get(reply_link(server.url, guessed), timeout=10)
        assert page.status_code == 400 and "Traceback" not in page.text
    finally:
        server.stop()
    log = log_path.read_text()
    assert "warning: no master secret: run kiosk-server migrate" in log
    assert "no public URL" in log

"""A realistic day leaves no visitor's name or mobile number in clear anywhere (issue 18).

Head office starts at the previous schema (revision 0012) holding a visitor, an event and a ticket
in clear, as the previous version stored them; the kiosk's database was written by the previous
version too (personal fields and a ticket in clear). Then ``kiosk-server migrate`` and the kiosk
built by the app's own wiring (``build_services``) seal what was there, and a day runs: check-ins, a
ticket raised with the client's name and mobile number, another with an e-mail address whose client
is told by mail, badges printed through a real ``cupsd`` (a private one, CUPS-PDF queue), the host
told by mail through a real SMTP server, a sync round with the real ``kiosk-server``. Afterwards
every file under the kiosk's data directory (database, WAL, key files aside), the CUPS spool (which
must hold no document of the day's jobs: a badge shows the name), head office's SQLite file (and
WAL) or a ``pg_dump`` of its PostgreSQL is searched for every name, number and e-mail address, in
UTF-8 and in the JSON escapes a payload would use.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cups_fixture import CupsServer, CupsUnavailable
from notify_servers import SmtpServer
from pg_fixture import PG_BIN, postgres  # noqa: F401  (fixture)

from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.keys.blind_index import KeyedCodec
from kiosk.core.privacy.fields import PlainFields
from kiosk.core.store import tickets as kiosk_tickets
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.tickets.desk import VISITOR, TicketForm
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from kiosk.services import build_services
from sync.client import enroll
from sync.server.db import make_engine
from sync.server.migrate import upgrade
from sync.server.tickets import TicketRow
from tests.support.harness import HeadOffice, ServerProcess
from tests.unit.reception_fixtures import DESK_PIN

pytestmark = [pytest.mark.integration, pytest.mark.slow]

#: (name, mobile): yesterday's at head office, yesterday's at the kiosk, today's three
OLD_HO = ("上官婉清", "13700001111")
OLD_KIOSK = ("诸葛远航", "13700002222")
TODAY = [
    ("司马青云", "13911112222"),
    ("Evangeline Rutherford", "13933334444"),
    ("慕容雪", "13955556666"),
]
#: the clients of yesterday's tickets (head office's, the kiosk's) and of today's
OLD_HO_CLIENT = ("令狐晓岚", "13700003333")
OLD_KIOSK_CLIENT = ("皇甫嘉禾", "13700004444")
CLIENT = ("东方既白", "13977778888")
#: a client who gave an e-mail address and is told by mail (``alert_deliveries.url``)
MAIL_CLIENT = ("南宫知秋", "nangong.zhiqiu@example.com")
EVERYONE = [OLD_HO, OLD_KIOSK, *TODAY, OLD_HO_CLIENT, OLD_KIOSK_CLIENT, CLIENT, MAIL_CLIENT]


def _raised(ticket_id: str, number: str, client: tuple[str, str]) -> dict:
    """A ``ticket.raised`` payload as the previous version stored it."""
    return {
        "ticket_id": ticket_id,
        "number": number,
        "site_id": "demo",
        "kiosk_id": "k0",
        "ticket_kind": "enquiry",
        "subject": "失物招领",
        "details": f"{client[0]}的钱包",
        "raised_at": "2026-11-30T02:00:00+00:00",
        "department_id": "",
        "priority": "normal",
        "client_name": client[0],
        "contact": client[1],
    }


def _mailed(messages, text: str) -> bool:
    return any(text in m.get_body(("plain",)).get_content() for m in messages)


def _needles() -> list[bytes]:
    out = []
    for name, phone in EVERYONE:
        for value in (name, phone):
            out += [value.encode(), json.dumps(value).strip('"').encode()]
    return sorted(set(out))


def _leaks(data: bytes) -> list[str]:
    return [n.decode() for n in _needles() if n in data]


def _files_with_clear_values(folder: Path) -> dict[str, list[str]]:
    found = {}
    for path in folder.rglob("*"):
        if path.is_file() and (hits := _leaks(path.read_bytes())):
            found[str(path.relative_to(folder))] = hits
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ho' / 'head-office.sqlite3'}"
    return str(request.getfixturevalue("postgres").new_database())


@pytest.fixture(scope="module")
def cups() -> Iterator[CupsServer]:
    """A private cupsd: the day's badges go through its spool (``PreserveJobFiles``: a day)."""
    server = CupsServer("/tmp/lk-cups-privacy")
    try:
        server.start()
    except CupsUnavailable as e:
        pytest.fail(str(e))
    yield server
    for name in list(server.queues):
        server.remove_queue(name)
    server.stop()


def _spooled_documents(cups: CupsServer, store: Store) -> list[str]:
    """The spool's document files (``dNNNNN-NNN``) of the kiosk's print jobs."""
    jobs = {
        f"{int(r[0].rsplit('-', 1)[1]):05d}"
        for r in store.query("SELECT printer_ref FROM print_jobs WHERE printer_ref != ''")
    }
    spool = cups.root / "spool"
    return [p.name for p in spool.iterdir() if p.name.startswith("d") and p.name[1:6] in jobs]


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def _previous_head_office(url: str) -> None:
    """Revision 0012 with a visitor, its event and a ticket stored in clear (the previous
    version)."""
    (Path(url.split("///", 1)[1]).parent if url.startswith("sqlite") else Path("/")).mkdir(
        parents=True, exist_ok=True
    )
    engine = make_engine(url, pool_size=1)
    upgrade(engine, "0012")
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    payload = json.dumps({"visitor": {"name": OLD_HO[0], "phone": OLD_HO[1]}}, ensure_ascii=False)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO visitors (id, site_id, name, phone, company, category, phone_key) "
                "VALUES ('old-visitor', 'demo', :name, :phone, '', '', '')"
            ),
            {"name": OLD_HO[0], "phone": OLD_HO[1]},
        )
        conn.execute(
            text(
                "INSERT INTO events (uuid, site_id, kiosk_id, kind, entity_id, occurred_at, hlc, "
                "payload, received_at) VALUES ('old-event', 'demo', 'k0', 'visit.checked_in', "
                "'old-visit', :now, '', :payload, :now)"
            ),
            {"now": now, "payload": payload},
        )
        conn.execute(
            text(
                "INSERT INTO tickets (id, site_id, number, kiosk_id, kind, status, department_id,"
                " priority, raised_at, updated_at, raised) VALUES ('old-ticket', 'demo',"
                " '10000001', 'k0', 'enquiry', 'open', '', 'normal', :now, :now, :raised)"
            ),
            {
                "now": now,
                "raised": json.dumps(_raised("old-ticket", "10000001", OLD_HO_CLIENT)),
            },
        )
    engine.dispose()


def _previous_kiosk(data: Path) -> None:
    """Yesterday's check-in and ticket, written by the previous version (no field cipher)."""
    store = Store(data / "kiosk.sqlite3", fields=PlainFields())
    records = Records(store, KeyedCodec(store))
    import_directory(records, demo_directory())
    service = CheckinService(records=records, settings=load_settings(environ={}), clock=store.clock)
    name, phone = OLD_KIOSK
    service.check_in(
        CheckinForm(name=name, phone=phone, purpose="meeting", host_id="h001", consent=True)
    )
    with store.transaction() as tx:
        kiosk_tickets.add_ticket(tx, _raised("old-kiosk-ticket", "10000002", OLD_KIOSK_CLIENT))
    store.close()


def test_nothing_in_clear_after_a_day(database_url, tmp_path, smtp, cups, monkeypatch) -> None:
    _previous_head_office(database_url)
    ho = HeadOffice(database_url)  # kiosk-server migrate: 0013 seals, then compacts
    ho.add_site("demo", "示范大厦", "Demo Tower")
    server = ServerProcess(database_url, log_path=tmp_path / "server.log").start()
    data = tmp_path / "kiosk"
    queue = f"LKDAY{tmp_path.name[-6:].upper().replace('_', '')}"
    cups.add_pdf_queue(queue, tmp_path / "paper")  # the badges as they come out: paper
    monkeypatch.setenv("CUPS_SERVER", cups.socket)
    services = None
    try:
        _previous_kiosk(data)
        enroll(server.url, ho.add_kiosk("demo"), data_dir=data)
        desk = f"desk.{tmp_path.name}@example.com"
        settings = load_settings(
            environ={
                "KIOSK_KIOSK_DATA_DIR": str(data),
                "KIOSK_PRINTER_BACKEND": "cups",
                "KIOSK_PRINTER_QUEUE": queue,
                "KIOSK_NOTIFY_FRONT_DESK_URLS": smtp.url(desk),
                "KIOSK_NOTIFY_MAIL_SERVER": f"mailto://127.0.0.1:{smtp.port}?from=kiosk@example.com",
                "KIOSK_NOTIFY_SEND_TIMEOUT": "5",
            }
        )
        services = build_services(settings, demo=True)
        for name, phone in TODAY:
            services.checkin.check_in(
                CheckinForm(name=name, phone=phone, purpose="meeting", host_id="h001", consent=True)
            )
        ticket = services.tickets.raise_ticket(
            VISITOR,
            TicketForm(
                kind="enquiry",
                subject="找失物",
                details=f"{CLIENT[0]}的伞落在大堂",
                client_name=CLIENT[0],
                contact=CLIENT[1],
                consent=True,
            ),
        )
        box = smtp.mailbox  # the host is told by mail (the mail server reaches h001's address)
        with box.arrived:
            assert box.arrived.wait_for(lambda: _mailed(box.messages, TODAY[0][0]), 20)
        services.reception.staff.add("前台王", "receptionist", DESK_PIN)
        staff = services.reception.staff.enter(DESK_PIN).staff.actor
        mailed = services.tickets.raise_ticket(
            staff,
            TicketForm(
                kind="enquiry",
                subject="停车费",
                client_name=MAIL_CLIENT[0],
                contact=MAIL_CLIENT[1],
                consent=True,
            ),
        )
        services.tickets.act(
            staff, mailed.id, "told", seen=mailed.last_entry_id, note="每小时5元", send=True
        )
        assert smtp.mailbox.wait_for(MAIL_CLIENT[1])
        assert services.notifier.wait_idle(timeout=20)
        assert services.sync is not None
        deadline = time.monotonic() + 20
        while services.store.pending("sync") and time.monotonic() < deadline:
            time.sleep(0.2)  # the sync worker pushes what the printer and notifier report
        assert services.store.pending("sync") == 0
        assert len(cups.wait_for_pdfs(queue, len(TODAY))) >= len(TODAY)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            services.store.query("SELECT 1 FROM print_jobs WHERE state != 'printed'")
            or _spooled_documents(cups, services.store)
        ):
            time.sleep(0.1)  # purged from the spool once the print queue sees them out
        assert _spooled_documents(cups, services.store) == []
        # head office has the day, and reads it back (sealed at rest, not lost)
        with ho.engine.connect() as conn:
            names = conn.execute(text("SELECT count(*) FROM visitors")).scalar()
        assert names and names >= len(TODAY) + 1
        with Session(ho.engine) as session:
            clients = {
                r.id: (r.raised["client_name"], r.raised["contact"])
                for r in session.scalars(select(TicketRow))
            }
        assert clients["old-ticket"] == OLD_HO_CLIENT
        assert clients[ticket.id] == CLIENT
        assert services.tickets.ticket(ticket.id).client_name == CLIENT[0]
    finally:
        if services is not None:
            services.stop()
        server.stop()
        ho.close()
    leaks = _files_with_clear_values(data)
    leaks.update({f"cups/{k}": v for k, v in _files_with_clear_values(cups.root / "spool").items()})
    if database_url.startswith("sqlite"):
        leaks.update(_files_with_clear_values(tmp_path / "ho"))
    else:
        dump = subprocess.run(
            [str(PG_BIN / "pg_dump"), "--no-owner", database_url.replace("+psycopg", "")],
            check=True,
            capture_output=True,
        ).stdout
        assert b"CREATE TABLE public.visitors" in dump
        if hits := _leaks(dump):
            leaks["pg_dump"] = hits
    assert leaks == {}

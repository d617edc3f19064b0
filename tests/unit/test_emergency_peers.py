"""Kiosks of one site sharing an emergency: sealed exchanges, strangers and replays refused,
and the real peer server and sender on loopback."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock, SystemClock
from kiosk.core.emergency.peers import messages
from kiosk.core.emergency.peers.sealing import seal
from kiosk.core.keys.hierarchy import KeyPurpose, parse_versioned
from tests.unit.emergency_fixtures import OTHER_SITE_KEY, PEER_KEY, form, free_port, kiosk

T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _refused_alerts(services) -> list:
    return [a for a in open_alerts(services.store) if a.kind == "emergency.peer_refused"]


def test_a_start_and_the_roster_reach_a_peer_and_its_marks_come_back(tmp_path) -> None:
    clock = FakeClock(T)
    a = kiosk(tmp_path / "a", "kiosk-a", clock=clock)
    b = kiosk(tmp_path / "b", "kiosk-b", clock=clock)
    try:
        visit = a.checkin.check_in(form(name="王芳")).visit
        a.emergency.mode.start(by="st-s", role="supervisor", emergency="fire")
        assert b.emergency.exchange.incoming(a.emergency.exchange.outgoing(), "a")
        incident = b.emergency.mode.current()
        assert incident is not None and incident.started_on == "kiosk-a"
        assert set(incident.switched) == {"kiosk-a", "kiosk-b"}
        on_b = {line.person.name: line for line in b.emergency.mode.roll_call().lines}
        assert on_b["王芳"].person.kiosk_id == "kiosk-a"  # a visit B's own store never had
        b.emergency.mode.mark(by="st-b", person_id=visit.id, status="missing")
        assert a.emergency.exchange.incoming(b.emergency.exchange.outgoing(), "b")
        (line,) = [x for x in a.emergency.mode.roll_call().lines if x.person.name == "王芳"]
        assert line.status == "missing" and line.mark.kiosk_id == "kiosk-b"
        assert a.emergency.mode.current().switched.keys() == {"kiosk-a", "kiosk-b"}
        # the peer's part is kept sealed: the name is nowhere in B's database file in clear
        b.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = (tmp_path / "b" / b.settings.database_path.name).read_bytes()
        assert "王芳".encode() not in raw
    finally:
        a.stop()
        b.stop()


def test_forged_garbage_and_replayed_messages_are_refused_and_alerted(tmp_path) -> None:
    clock = FakeClock(T)
    a = kiosk(tmp_path / "a", "kiosk-a", clock=clock)
    b = kiosk(tmp_path / "b", "kiosk-b", clock=clock)
    stranger = kiosk(tmp_path / "x", "kiosk-x", clock=clock, key=OTHER_SITE_KEY)
    try:
        stranger.emergency.mode.start(by="st-x", role="supervisor", emergency="security")
        assert not b.emergency.exchange.incoming(stranger.emergency.exchange.outgoing(), "x")
        assert not b.emergency.exchange.incoming(b"\x00" * 64, "x")
        assert not b.emergency.exchange.incoming(b"KPE1" + b"\x00\x01" + b"\x07" * 40, "x")
        assert b.emergency.mode.current() is None
        assert len(_refused_alerts(b)) == 1  # one alert until the desk acknowledges it
        assert b.emergency.exchange.refused == 3

        first = a.emergency.exchange.outgoing()
        assert b.emergency.exchange.incoming(first, "a")
        assert not b.emergency.exchange.incoming(first, "a")  # the same frame again
        clock.advance(120)
        assert b.emergency.exchange.incoming(a.emergency.exchange.outgoing(), "a")
        b.stop()
        b = kiosk(tmp_path / "b", "kiosk-b", clock=clock)  # restarted: forgot what it saw
        assert not b.emergency.exchange.incoming(first, "a")  # older state than it took

        # sealed with the site's key, but carrying something that is not an emergency entry
        key = parse_versioned(PEER_KEY, KeyPurpose.PEER)
        bad = messages.PeerState(
            site_id="demo",
            kiosk_id="kiosk-a",
            stamp=a.store.hlc.tick(),
            entries=[messages.WireEntry(stamp=a.store.hlc.tick(), kind="alert.raised", payload={})],
            roster=[],
        )
        assert not b.emergency.exchange.incoming(seal(key, "demo", messages.encode(bad)), "a")
    finally:
        for services in (a, b, stranger):
            services.stop()


def test_the_peer_server_and_sender_switch_a_peer_on_loopback(tmp_path) -> None:
    port_a, port_b = free_port(), free_port()
    a = kiosk(
        tmp_path / "a",
        "kiosk-a",
        clock=SystemClock(),
        listen=f"127.0.0.1:{port_a}",
        peers=f"127.0.0.1:{port_b}",
        start_workers=True,
    )
    b = kiosk(
        tmp_path / "b",
        "kiosk-b",
        clock=SystemClock(),
        listen=f"127.0.0.1:{port_b}",
        peers=f"127.0.0.1:{port_a}",
        start_workers=True,
    )
    try:
        started = time.monotonic()
        a.emergency.mode.start(by="st-s", role="supervisor", emergency="fire", drill=True)
        while b.emergency.mode.current() is None and time.monotonic() - started < 5:
            time.sleep(0.01)
        assert b.emergency.mode.current() is not None, "kiosk B never switched"
        assert time.monotonic() - started < 2.0
        while len(a.emergency.mode.current().switched) < 2 and time.monotonic() - started < 5:
            time.sleep(0.01)
        assert set(a.emergency.mode.current().switched) == {"kiosk-a", "kiosk-b"}
    finally:
        a.stop()
        b.stop()


def test_discovery_runs_beside_the_peer_server_unless_turned_off(tmp_path) -> None:
    from kiosk.core.emergency.peers.discovery import PeerDiscovery, tag

    port = free_port()
    on = kiosk(tmp_path / "on", "kiosk-a", listen=f"127.0.0.1:{port}", discovery=True)
    off = kiosk(tmp_path / "off", "kiosk-b", listen=f"127.0.0.1:{free_port()}")
    alone = kiosk(tmp_path / "alone", "kiosk-c", discovery=True)  # no server: nothing to find
    try:
        assert isinstance(on.emergency.discovery, PeerDiscovery)
        assert on.emergency.discovery in on.workers and on.emergency.sender in on.workers
        assert on.emergency.discovery.address == ("127.0.0.1", port)
        assert on.emergency.discovery.site_tag == tag("site", "demo") != "demo"
        assert off.emergency.discovery is None and off.emergency.sender is None
        assert alone.emergency.discovery is None and alone.emergency.sender is None
    finally:
        for services in (on, off, alone):
            services.stop()

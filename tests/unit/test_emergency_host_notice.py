"""The hosts' roll-call messages on a kiosk built by the app's own wiring: one per host with a
visitor still in (none for a host whose visitors left), with a link that verifies under the
site's reply-link key; none without that key (marking from a phone needs head office), none
for a start that joins or a switch back."""

from __future__ import annotations

import dataclasses
import re

from kiosk.core.emergency import host_links
from kiosk.core.keys.hierarchy import KeyPurpose
from tests.unit.emergency_fixtures import form, kiosk

REPLY_KEY = "1:" + "3c" * 32


def _hosts_reachable(services) -> None:
    records = services.records
    with services.store.transaction() as tx:
        for host_id, url in (("h001", "fake://li.na"), ("h002", "fake://wang.wei")):
            host = records.host(host_id)
            assert host is not None
            records.upsert_host(tx, dataclasses.replace(host, notify_urls=(url,)))


def _sent_to(services, url: str) -> list:
    return [s for s in services.notifier.notifier.sent if s.url == url]


def test_each_host_with_a_visitor_in_gets_one_link(tmp_path) -> None:
    services = kiosk(
        tmp_path,
        environ={
            "KIOSK_NOTIFY_REPLY_KEY": REPLY_KEY,
            "KIOSK_HEAD_OFFICE_URL": "http://127.0.0.1:9",
        },
    )
    try:
        _hosts_reachable(services)
        services.checkin.check_in(form(name="王芳", phone="13812340001"))
        services.checkin.check_in(form(name="李雷", phone="13812340003"))
        left = services.checkin.check_in(form(name="韩梅", phone="13812340004", host="h002"))
        services.checkin.check_out(left.visit.id)  # h002's only visitor has left
        assert services.notifier.wait_idle()
        before = len(_sent_to(services, "fake://li.na"))
        before_h002 = len(_sent_to(services, "fake://wang.wei"))
        mode = services.emergency.mode
        incident = mode.start(by="st-1", role="supervisor", emergency="fire")
        assert services.notifier.wait_idle()
        [message] = _sent_to(services, "fake://li.na")[before:]
        assert "2" in message.message.text and "王芳" not in message.message.text
        [url] = re.findall(r"\S+/api/v1/rollcall/(\S+)", message.message.text)
        key = services.site_keys.current(KeyPurpose.REPLY_LINK)
        assert key is not None
        link = host_links.verify(key.key, url, now=services.clock.now())
        assert (link.site_id, link.incident_id, link.host_id) == ("demo", incident.id, "h001")

        mode.start(by="st-2", role="supervisor", emergency="fire")  # joins: no new message
        mode.end(by="st-1", role="supervisor", reason="over")  # the switch back: none
        assert services.notifier.wait_idle()
        assert len(_sent_to(services, "fake://li.na")) == before + 1
        assert len(_sent_to(services, "fake://wang.wei")) == before_h002
    finally:
        services.stop()


def test_without_the_reply_key_hosts_get_no_link(tmp_path) -> None:
    services = kiosk(tmp_path)
    try:
        _hosts_reachable(services)
        services.checkin.check_in(form(name="王芳", phone="13812340001"))
        assert services.notifier.wait_idle()
        before = len(_sent_to(services, "fake://li.na"))
        services.emergency.mode.start(by="st-1", role="supervisor", emergency="fire")
        assert services.notifier.wait_idle()
        assert len(_sent_to(services, "fake://li.na")) == before
        assert services.emergency.mode.roll_call().counts()["unknown"] >= 1  # the kiosk's works
    finally:
        services.stop()

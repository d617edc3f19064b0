"""The notifier worker with the fake channels and a fake clock: plan, send, retry, escalate."""

from __future__ import annotations

import json
import re
import time

import pytest
from notify_fixtures import check_in, make_directory, make_settings

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.notify.channels import FakeNotifier
from kiosk.core.notify.replies import handle_host_replied
from kiosk.core.notify.reply_links import parse_key, verify
from kiosk.core.notify.worker import CONSUMER, NotifyWorker
from kiosk.core.store.database import Store
from kiosk.core.store.quarantine import quarantined
from kiosk.core.store.records import Records
from kiosk.core.workers.retry import RetryPolicy


@pytest.fixture
def env(tmp_path):
    clock = FakeClock()
    store = Store(tmp_path / "kiosk.sqlite3", clock=clock)
    records = Records(store)
    make_directory(records)
    fake = FakeNotifier()
    yield store, records, clock, fake
    store.close()


def worker(env, **notify) -> NotifyWorker:
    store, records, clock, fake = env
    return NotifyWorker(
        store=store, records=records, notifier=fake, clock=clock, settings=make_settings(**notify)
    )


def events(store: Store, kind: str) -> list[dict]:
    rows = store.query(
        "SELECT open_field(payload, 'outbox', 'payload') AS payload "
        "FROM outbox WHERE kind=? ORDER BY seq",
        (kind,),
    )
    return [json.loads(r[0]) for r in rows]


def test_host_is_notified_and_the_delivery_is_reported(env) -> None:
    store, _, clock, fake = env
    w = worker(env)
    visit_id = check_in(store, clock)
    assert w.status_for(visit_id).state == "pending"
    assert w.wait_idle()
    [message] = fake.to("fake://host1")
    assert "张伟" in message.subject and "我马上来" in message.text
    status = w.status_for(visit_id)
    assert (status.state, status.host_name, status.key) == (
        "notified",
        "李娜",
        "notify.status.notified",
    )
    assert w.status_for(visit_id, "en").text() == "Li Na has been notified"
    [sent] = events(store, "notify.sent")
    assert sent["visit_id"] == visit_id and sent["stage"] == "host"
    assert sent["channel"] == "fake://****" and sent["recipient"] == "host:h1"
    assert store.pending(CONSUMER, ("visit.checked_in",)) == 0


def test_reply_links_are_signed_for_the_site(env) -> None:
    store, _, clock, fake = env
    w = worker(env)
    visit_id = check_in(store, clock)
    w.wait_idle()
    text = fake.to("fake://host1")[0].text
    links = re.findall(r"https://\S+/reply/\S+", text)
    assert len(links) == 2 and all(u.startswith("https://ho.example/api/v1/reply/") for u in links)
    key = parse_key(make_settings().notify.reply_key)
    coming, wait = (verify(key, u.rsplit("/", 1)[1], now=clock.now()) for u in links)
    assert (coming.reply, wait.reply, wait.minutes) == ("coming", "wait", 5)
    assert coming.visit_id == visit_id and coming.reply_id == wait.reply_id


def test_escalation_to_delegate_then_front_desk_on_time(env) -> None:
    store, _, clock, fake = env
    w = worker(env)
    visit_id = check_in(store, clock)
    w.wait_idle()
    clock.advance(119)
    w.wait_idle()
    assert fake.to("fake://host2") == []
    clock.advance(1)
    w.wait_idle()
    [to_delegate] = fake.to("fake://host2")
    assert to_delegate.subject.startswith("For Li Na")  # Wang Qiang reads English
    assert "has not replied within 2 min" in to_delegate.text
    status = w.status_for(visit_id, "en")
    assert status.state == "escalated" and status.delegate_name == "Wang Qiang"
    assert status.text() == "Li Na has not replied yet; we told Wang Qiang"
    clock.advance(120)
    w.wait_idle()
    assert len(fake.to("fake://front")) == 1
    assert w.status_for(visit_id).state == "front_desk"
    assert w.status_for(visit_id, "zh_CN").text() == "前台将协助您"
    clock.advance(600)
    w.wait_idle()
    assert len(fake.sent) == 3  # nothing after the last step


def test_a_reply_stops_escalation_and_shows_on_the_way(env) -> None:
    store, _, clock, fake = env
    w = worker(env)
    visit_id = check_in(store, clock)
    w.wait_idle()
    reply_id = store.query_one("SELECT reply_id FROM notify_visits")[0]
    with store.transaction() as tx:
        reply = {
            "site_id": "demo",
            "visit_id": visit_id,
            "reply_id": "forged",
            "reply": "coming",
            "minutes": 0,
            "recipient": "host:h1",
            "replied_at": "2026-11-26T09:00:00+00:00",
        }
        handle_host_replied(tx, reply)
    assert w.status_for(visit_id).state == "notified"
    with store.transaction() as tx:
        handle_host_replied(
            tx,
            {
                "site_id": "demo",
                "visit_id": visit_id,
                "reply_id": reply_id,
                "reply": "coming",
                "minutes": 0,
                "recipient": "host:h1",
                "replied_at": "2026-11-26T09:01:00+00:00",
            },
        )
    status = w.status_for(visit_id, "en")
    assert status.state == "coming" and status.minutes == 2
    assert w.status_for(visit_id, "zh_CN").text() == "李娜 正在赶来（约2分钟）"
    assert status.text() == "Li Na is on the way (about 2 min)"
    assert not w.record_reply(visit_id=visit_id, reply_id=reply_id, reply="wait", minutes=5)
    clock.advance(1000)
    w.wait_idle()
    assert [s.url for s in fake.sent] == ["fake://host1"]


def test_wait_reply(env) -> None:
    store, _, clock, _fake = env
    w = worker(env)
    visit_id = check_in(store, clock)
    w.wait_idle()
    reply_id = store.query_one("SELECT reply_id FROM notify_visits")[0]
    assert w.record_reply(
        visit_id=visit_id, reply_id=reply_id, reply="wait", minutes=5, recipient="host:h1"
    )
    assert w.status_for(visit_id, "en").text() == "Li Na asks you to wait about 5 min"


def test_away_host_delegate_is_told_at_once(env) -> None:
    store, _, clock, fake = env
    w = worker(env)
    visit_id = check_in(store, clock, host_id="h3")
    w.wait_idle()
    assert len(fake.to("fake://host3")) == 1 and len(fake.to("fake://host2")) == 1
    assert "Zhao Min is away today" in fake.to("fake://host2")[0].text
    status = w.status_for(visit_id, "en")
    assert status.key == "notify.status.away"
    assert w.status_for(visit_id, "zh_CN").text() == "赵敏今天不在，已通知王强"
    assert status.text() == "Zhao Min is away today; we told Wang Qiang"


def test_host_without_channel_goes_to_the_department_at_once(env) -> None:
    store, _, clock, fake = env
    w = worker(env)
    visit_id = check_in(store, clock, host_id="h4")
    w.wait_idle()
    [to_department] = fake.to("fake://rnd")
    assert "无法联系到孙丽" in to_department.text
    assert w.status_for(visit_id).state == "escalated"
    assert w.status_for(visit_id, "en").delegate_name == "R&D"
    assert w.status_for(visit_id, "en").text() == "We told R&D"
    # the message text is not kept once it is delivered
    row = store.query_one("SELECT subject, body_text, state FROM notify_deliveries")
    assert (row["subject"], row["body_text"], row["state"]) == ("", "", "sent")
    clock.advance(120)
    w.wait_idle()
    assert len(fake.to("fake://front")) == 1


def test_retries_with_back_off_then_reports_failure_and_escalates(env) -> None:
    store, _, clock, fake = env
    fake.fail.add("fake://host1")
    w = NotifyWorker(
        store=store,
        records=env[1],
        notifier=fake,
        clock=clock,
        settings=make_settings(),
        retry=RetryPolicy(base=5, cap=10, attempts=3),
    )
    visit_id = check_in(store, clock)
    w.wait_idle()
    assert fake.attempts.count("fake://host1") == 1
    clock.advance(4)
    w.wait_idle()
    assert fake.attempts.count("fake://host1") == 1
    clock.advance(1)
    w.wait_idle()
    assert fake.attempts.count("fake://host1") == 2
    clock.advance(10)
    w.wait_idle()
    assert fake.attempts.count("fake://host1") == 3
    [failed] = events(store, "notify.failed")
    assert failed["attempts"] == 3 and "fake://****" in failed["error"]
    # nobody can reach the host: the delegate is told now, not after 120 s
    w.wait_idle()
    assert len(fake.to("fake://host2")) == 1
    row = store.query_one("SELECT state, last_error FROM notify_deliveries WHERE stage='host'")
    assert row["state"] == "failed" and "refused" in row["last_error"]
    assert w.status_for(visit_id).state == "escalated"


def test_stand_alone_kiosk_sends_no_links_and_still_escalates(env) -> None:
    store, _, clock, fake = env
    w = NotifyWorker(
        store=store,
        records=env[1],
        notifier=fake,
        clock=clock,
        settings=make_settings().replace("head_office", url=""),
    )
    check_in(store, clock)
    w.wait_idle()
    assert "/reply/" not in fake.to("fake://host1")[0].text
    assert "无法在线回复" in fake.to("fake://host1")[0].text
    clock.advance(120)
    w.wait_idle()
    assert len(fake.to("fake://host2")) == 1


def test_a_slow_channel_does_not_hold_up_another_host(env) -> None:
    store, _, clock, fake = env
    fake.delay["fake://host1"] = 1.5
    w = worker(env)
    w.start()
    try:
        check_in(store, clock, host_id="h1")
        started = time.monotonic()
        check_in(store, clock, host_id="h2")
        while not fake.to("fake://host2") and time.monotonic() - started < 5:
            time.sleep(0.01)
        assert fake.to("fake://host2"), "the second host was never notified"
        assert not fake.to("fake://host1"), "the slow channel should still be sending"
    finally:
        w.stop()


def test_each_visit_is_planned_once_across_restarts(env) -> None:
    store, _, clock, fake = env
    fake.fail.add("fake://host1")
    check_in(store, clock)
    worker(env).wait_idle()
    fake.fail.clear()
    clock.advance(5)
    worker(env).wait_idle()  # a new worker (kiosk restarted) retries the pending delivery
    assert len(fake.to("fake://host1")) == 1
    assert store.query_one("SELECT count(*) FROM notify_visits")[0] == 1


def test_visit_without_host_notifies_department(env) -> None:
    store, _, clock, fake = env
    w = worker(env)
    visit_id = check_in(store, clock, host_id=None)
    w.wait_idle()
    assert len(fake.to("fake://rnd")) == 1
    assert w.status_for(visit_id).state == "escalated"


def test_checked_out_visit_is_not_escalated(env) -> None:
    store, _, clock, fake = env
    w = worker(env)
    visit_id = check_in(store, clock)
    w.wait_idle()
    with store.transaction() as tx:
        tx.execute("UPDATE visits SET state='checked_out' WHERE id=?", (visit_id,))
    clock.advance(300)
    w.wait_idle()
    assert [s.url for s in fake.sent] == ["fake://host1"]


class _Hanging:
    """A channel whose sends never return until released (a hung TLS handshake, say)."""

    def __init__(self) -> None:
        import threading

        self.release = threading.Event()
        self.forgotten: list[str] = []
        self.calls = 0

    def validate(self, url: str) -> str:
        return "hang"

    def send(self, url, message, *, timeout: float) -> None:
        self.calls += 1
        if self.calls == 1:
            self.release.wait(10)
            raise RuntimeError("too late to matter")

    def forget(self, url: str) -> None:
        self.forgotten.append(url)


def test_a_send_that_never_returns_is_abandoned_and_retried(env) -> None:
    store, records, clock, _fake = env
    hanging = _Hanging()
    w = NotifyWorker(
        store=store,
        records=records,
        notifier=hanging,
        clock=clock,
        settings=make_settings(send_timeout=0.05),
        hang_grace=0.2,
    )
    try:
        visit_id = check_in(store, clock)
        w.run_once()
        time.sleep(0.5)
        w.run_once()  # the watchdog gives up on the first send
        assert hanging.forgotten == ["fake://host1"]
        row = store.query_one("SELECT attempts, last_error, state FROM notify_deliveries")
        assert row["attempts"] == 1 and "no answer" in row["last_error"]
        clock.advance(5)
        assert w.wait_idle()  # the retry goes out on a fresh channel thread and succeeds
        assert w.status_for(visit_id).state == "notified"
    finally:
        hanging.release.set()
    time.sleep(0.05)
    w.run_once()  # the abandoned send's late failure changes nothing
    assert store.query_one("SELECT state FROM notify_deliveries")["state"] == "sent"


def _raw_event(tx, kind: str, entity_id: str, payload: dict) -> None:
    tx.execute(
        "INSERT INTO outbox (uuid, kind, entity_id, occurred_at, payload, hlc) "
        "VALUES (?,?,?,?,?,'')",
        (entity_id + "-uuid", kind, entity_id, "2026-01-01T00:00:00+00:00", json.dumps(payload)),
    )


def test_a_malformed_event_is_skipped_whole_and_later_ones_still_go(env) -> None:
    store, _, clock, fake = env
    w = worker(env)
    with store.transaction() as tx:
        # rows an older or broken kiosk build could have written: emit() only takes models
        _raw_event(tx, "visit.checked_in", "broken", {"visit": {"host_id": "h1"}})  # no visit id
        _raw_event(
            tx, "visit.checked_in", "odd", {"visit": {"id": "odd", "host_id": "h1"}, "visitor": [1]}
        )
    visit_id = check_in(store, clock)
    assert w.wait_idle()
    assert len(fake.to("fake://host1")) == 1
    assert [r[0] for r in store.query("SELECT visit_id FROM notify_visits")] == [visit_id]
    # both are kept aside for the notifier, and the receptionist is told
    kept = quarantined(store, CONSUMER)
    assert [q.uuid for q in kept] == ["broken-uuid", "odd-uuid"]
    assert all(q.kind == "visit.checked_in" and q.reason for q in kept)
    alerts = [a for a in open_alerts(store) if a.kind == "outbox.quarantined"]
    assert sorted(a.details["event_uuid"] for a in alerts) == ["broken-uuid", "odd-uuid"]


def test_fetched_keys_sign_the_links_and_point_them_at_the_public_url(env) -> None:
    from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey, derive
    from kiosk.core.keys.site_keys import KeySet, SiteKeys
    from kiosk.core.notify.reply_links import peek_key

    store, records, clock, fake = env
    v3 = SiteKey(KeyPurpose.REPLY_LINK, 3, derive(b"master", KeyPurpose.REPLY_LINK, "demo", 3))
    keys = SiteKeys(store=store, clock=clock, head_office_url="http://10.0.0.5:8080")
    keys.keep(KeySet({KeyPurpose.REPLY_LINK: v3}, public_url="https://visitors.example.com"))
    settings = make_settings(reply_key="").replace("head_office", url="http://10.0.0.5:8080")
    w = NotifyWorker(
        store=store, records=records, notifier=fake, clock=clock, settings=settings, site_keys=keys
    )
    check_in(store, clock)
    w.wait_idle()
    links = re.findall(r"https?://\S+/reply/\S+", fake.to("fake://host1")[0].text)
    assert len(links) == 2
    assert all(u.startswith("https://visitors.example.com/api/v1/reply/") for u in links)
    token = links[0].rsplit("/", 1)[1]
    assert peek_key(token) == ("demo", 3)
    assert verify(v3.key, token, now=clock.now()).key_version == 3

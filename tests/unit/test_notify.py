"""Channel URLs: validation with clear messages, secrets never shown, the fake notifier."""

from __future__ import annotations

import logging

import pytest

from kiosk.core.config.errors import ConfigError, NotifyError
from kiosk.core.notify.channels import (
    AppriseNotifier,
    FakeNotifier,
    Message,
    department_urls,
    redact_url,
    scrub,
    validate_urls,
)

SECRET_URLS = {
    "mailto://kiosk:Sup3rSecret@smtp.example.com?to=host@example.com": "Sup3rSecret",
    "mailtos://user:p@smtp.qq.com?to=x@example.com": ":p@",
    "wecombot://Wecom0Key0abcdefghijklmnop12345": "Wecom0Key0abcdefghijklmnop12345",
    "dingtalk://Ding0Token0abcdefghijklmnopqrst/SEC0secret0abc": "Ding0Token0abcdefghijklmnopqrst",
    "feishu://Fei0shu0token": "Fei0shu0token",
    "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#lobby": "TIiajkdnlazkcOXrIdevi7FQ",
    "json://hooks.example.com/in?token=abc123def": "abc123def",
    "json://hooks.example.com/in?+X-Api-Key=k3y": "k3y",
}


@pytest.mark.parametrize("url,secret", SECRET_URLS.items())
def test_redacted_urls_hide_secrets(url: str, secret: str) -> None:
    shown = redact_url(url)
    assert secret not in shown
    assert "****" in shown
    assert shown.split("://")[0] == url.split("://")[0]


def test_redaction_keeps_what_helps_an_operator() -> None:
    shown = redact_url("mailto://kiosk:pw@smtp.example.com:587?to=host@example.com")
    assert "smtp.example.com:587" in shown and "host@example.com" in shown
    assert redact_url("slack://T1/B2/C3token000000000000/#lobby").endswith("#lobby")


def test_scrub_removes_secrets_from_error_text() -> None:
    url = "mailto://kiosk:Sup3rSecret@smtp.example.com?to=h@example.com"
    text = f"login failed for {url} with password Sup3rSecret"
    assert "Sup3rSecret" not in scrub(text, [url])


def test_apprise_validates_known_services() -> None:
    n = AppriseNotifier()
    assert n.validate("mailto://127.0.0.1:2525?from=kiosk@example.com&to=host@example.com")
    assert n.validate("json://127.0.0.1:8080/hook")
    assert n.validate("wecombot://abcdefghijklmnopqrstuvwxyz123456")
    assert n.validate("dingtalk://abcdefghijklmnopqrstuvwxyz/")
    assert n.validate("feishu://abcdefghijkl")
    assert n.validate("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#lobby")


@pytest.mark.parametrize(
    "url", ["nope://x", "host@example.com", "mailto://kiosk:Sup3rSecret@/nowhere", ""]
)
def test_invalid_urls_get_a_clear_message_without_secrets(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_urls(AppriseNotifier(), [url], where="notify.front_desk_urls")
    message = str(info.value)
    assert "notify.front_desk_urls" in message
    assert "Sup3rSecret" not in message


def test_plugins_are_never_throttled() -> None:
    n = AppriseNotifier()
    url = "json://127.0.0.1:9/hook"
    n.validate(url)
    assert n._plugin(url).request_rate_per_sec == 0


def test_unreachable_channel_raises_notify_error_without_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    n = AppriseNotifier()
    url = "json://user:Sup3rSecret@127.0.0.1:9/hook?token=T0ken0Value"
    with pytest.raises(NotifyError) as info:
        n.send(url, Message("s", "t", "<p>t</p>"), timeout=2)
    assert "Sup3rSecret" not in str(info.value) and "T0ken0Value" not in str(info.value)
    assert "Sup3rSecret" not in caplog.text and "T0ken0Value" not in caplog.text


def test_department_urls_mapping() -> None:
    got = department_urls(["rnd=mailto://a?to=x@example.com", "rnd=json://h/p", "hr=json://h/q"])
    assert got == {"rnd": ("mailto://a?to=x@example.com", "json://h/p"), "hr": ("json://h/q",)}
    with pytest.raises(ConfigError):
        department_urls(["json://no-department"])


def test_fake_notifier_records_fails_and_validates() -> None:
    fake = FakeNotifier(fail={"fake://down"}, bad={"fake://bad"})
    fake.send("fake://ok", Message("s", "t", "h"), timeout=1)
    assert fake.to("fake://ok")[0].subject == "s"
    with pytest.raises(NotifyError):
        fake.send("fake://down", Message("s", "t", "h"), timeout=1)
    with pytest.raises(ConfigError):
        fake.validate("fake://bad")


def test_settings_channels_are_checked_at_start_up() -> None:
    from kiosk.core.config.settings import Settings
    from kiosk.core.notify.startup_checks import validate_notify_settings

    good = Settings().replace(
        "notify",
        front_desk_urls=("json://127.0.0.1:9/desk",),
        department_urls=("rnd=mailto://127.0.0.1:25?from=k@example.com&to=rnd@example.com",),
    )
    validate_notify_settings(good, AppriseNotifier())
    bad = good.replace("notify", department_urls=("rnd=slack://only-one-part",))
    with pytest.raises(ConfigError) as info:
        validate_notify_settings(bad, AppriseNotifier())
    assert "notify.department_urls (rnd)" in str(info.value)
    assert "only-one-part" not in str(info.value)
    with pytest.raises(ConfigError):
        validate_notify_settings(good.replace("notify", reply_key="abc"), AppriseNotifier())
    with pytest.raises(ConfigError, match="reply_ttl"):
        validate_notify_settings(good.replace("notify", reply_ttl=8 * 86400.0), AppriseNotifier())


def test_directory_channel_problems_are_listed_without_secrets(tmp_path) -> None:
    from kiosk.core.models import Department, Host, Site
    from kiosk.core.notify.startup_checks import channel_problems
    from kiosk.core.store.database import Store
    from kiosk.core.store.records import Records

    store = Store(tmp_path / "k.sqlite3")
    records = Records(store)
    with store.transaction() as tx:
        records.upsert_site(tx, Site("demo", "示范", "Demo"))
        records.upsert_department(tx, Department("rnd", "demo", "研发部", "R&D"))
        records.upsert_host(
            tx, Host("h1", "demo", "rnd", "李娜", "Li Na", notify_urls=("json://127.0.0.1/ok",))
        )
        records.upsert_host(
            tx, Host("h2", "demo", "rnd", "王强", "Wang", notify_urls=("bogus://s3cretTokenValue",))
        )
    [problem] = channel_problems(records, AppriseNotifier())
    assert problem.startswith("host h2") and "s3cretTokenValue" not in problem
    store.close()


def test_every_example_url_in_the_documentation_is_understood() -> None:
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "notifications.md").read_text()
    urls = [
        u
        for u in re.findall(r"`([a-z]+s?://[^`\s]+)`", doc)
        if not u.startswith(("https://", "msteams://")) and "…" not in u and "****" not in u
    ]
    assert len(urls) >= 15
    n = AppriseNotifier()
    for url in urls:
        assert n.validate(url), url

"""Checking the notification settings and the directory's channels at start-up.

A bad channel in the settings file is a ``ConfigError`` naming the key, like any other bad
setting; a bad channel in the directory (head office's data) is only reported: directory data
must not stop the kiosk.

Must never: print a channel URL's secrets (``redact_url``).
"""

from __future__ import annotations

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings import Settings
from kiosk.core.keys.hierarchy import HONOUR_SECONDS, KeyPurpose, parse_versioned
from kiosk.core.notify.channels import (
    Notifier,
    check_mail_server,
    department_urls,
    host_channels,
    validate_urls,
)
from kiosk.core.notify.sms import check_sms_gateway
from kiosk.core.store.records import Records


def validate_notify_settings(settings: Settings, notifier: Notifier) -> None:
    """Check the settings file's channels at start-up: ``ConfigError`` naming the key and the
    (redacted) URL that apprise cannot use, like any other bad setting."""
    validate_urls(notifier, settings.notify.front_desk_urls, where="notify.front_desk_urls")
    for dept, urls in department_urls(settings.notify.department_urls).items():
        validate_urls(notifier, urls, where=f"notify.department_urls ({dept})")
    for key in ("desk_channels", "security_channels", "backup_channels"):
        validate_urls(notifier, getattr(settings.reception, key), where=f"reception.{key}")
    if settings.notify.mail_server:
        check_mail_server(notifier, settings.notify.mail_server)
    if settings.notify.sms_gateway:
        check_sms_gateway(notifier, settings.notify.sms_gateway)
    if settings.notify.reply_ttl > HONOUR_SECONDS[KeyPurpose.REPLY_LINK]:
        # head office honours a retired key's links this long after a rotation, no longer
        raise ConfigError(
            f"notify.reply_ttl: at most {HONOUR_SECONDS[KeyPurpose.REPLY_LINK]} seconds (7 days)",
            key="notify.error.bad_url",
        )
    if settings.notify.reply_key:
        try:
            parse_versioned(settings.notify.reply_key, KeyPurpose.REPLY_LINK)
        except ValueError as e:
            raise ConfigError(f"notify.reply_key: {e}", key="notify.error.bad_url") from e


def channel_problems(records: Records, notifier: Notifier, *, mail_server: str = "") -> list[str]:
    """Hosts whose channels apprise cannot use, one line each, secrets masked (for the log and
    the receptionist's settings page: directory data must not stop the kiosk)."""
    problems = []
    for host in records.hosts():
        for url in host_channels(host.notify_urls, host.email, mail_server):
            try:
                notifier.validate(url)
            except ConfigError as e:
                problems.append(f"host {host.id}: {e.detail or e}")
    return problems

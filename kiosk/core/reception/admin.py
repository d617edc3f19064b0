"""Receptionist mode's administration (admin only): settings, staff accounts, the test print,
the channel test and leaving the app.

Every use case checks the role first (``require_admin``) and writes an audit entry
(``kiosk.core.reception.audit``). Settings go to the kiosk's TOML file atomically
(``kiosk.core.config.settings_file``); the shell then puts them in force
(``kiosk.services.apply_settings``): the keys in ``LIVE`` take effect at once, the others at
the next start (``SaveResult.restart``).
The first admin account is made here too, on first start, when the site has no staff.

Must never: run on the UI thread (argon2, file writes, sends), or change anything unaudited.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.core.config.errors import DeniedError, KioskError, ValidationError
from kiosk.core.config.i18n import LANGUAGES, translate
from kiosk.core.config.settings import Settings
from kiosk.core.config.settings_file import save_settings
from kiosk.core.notify.channels import Message, redact_url
from kiosk.core.reception import audit
from kiosk.core.reception.staff import ROLES, ConsoleSession, StaffAccounts, StaffMember
from kiosk.core.store import kv

#: "section.key" → what the settings screen may change
EDITABLE = (
    "kiosk.idle_timeout",
    "kiosk.languages",
    "kiosk.default_language",
    "kiosk.role",
    "printer.backend",
    "printer.queue",
    "checkin.end_of_day",
)
#: what takes effect without a restart (the shell and the workers read these on each use)
LIVE = (
    "kiosk.idle_timeout",
    "kiosk.languages",
    "kiosk.default_language",
    "kiosk.role",
    "checkin.end_of_day",
    "printer.backend",
    "printer.queue",
)
BACKENDS = ("file", "cups", "escpos", "brother_ql")
KIOSK_ROLES = ("lobby", "desk")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def require_admin(staff: StaffMember) -> None:
    if staff.role != "admin":
        raise DeniedError(f"{staff.id} is not an admin", key="console.admin_only")


@dataclass(frozen=True, slots=True)
class SettingsView:
    """What the settings screen shows: the editable values, and what it only shows."""

    values: dict[str, Any]
    retention_days: int
    #: True when head office set the retention (``site.settings``), else the kiosk's default
    retention_from_head_office: bool
    site_id: str
    site_name_zh: str
    site_name_en: str
    timezone: str
    kiosk_id: str
    config_path: str


@dataclass(frozen=True, slots=True)
class SaveResult:
    settings: Settings
    changed: tuple[str, ...]
    #: changed keys that take effect at the next start
    restart: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChannelResult:
    #: the channel with its secrets masked (``redact_url``)
    channel: str
    #: the translated-message key of the failure, "" when the message went out
    error_key: str = ""
    error: str = ""


def validate_changes(changes: dict[str, Any], current: Settings) -> dict[str, Any]:
    """The changes, checked and normalised; ``ValidationError`` names the first bad one."""
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            raise ValidationError(name, field=name, key="console.not_editable")
        if name == "kiosk.idle_timeout":
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                seconds = -1.0
            if not 10 <= seconds <= 3600:
                raise ValidationError(str(value), field=name, key="console.bad_idle_timeout")
            out[name] = seconds
        elif name == "kiosk.languages":
            langs = tuple(lang for lang in LANGUAGES if lang in tuple(value))
            if not langs or len(langs) != len(tuple(value)):
                raise ValidationError(str(value), field=name, key="console.bad_languages")
            out[name] = langs
        elif name in ("kiosk.default_language",):
            out[name] = str(value)
        elif name == "kiosk.role":
            if value not in KIOSK_ROLES:
                raise ValidationError(str(value), field=name, key="console.bad_role")
            out[name] = value
        elif name == "printer.backend":
            if value not in BACKENDS:
                raise ValidationError(str(value), field=name, key="console.bad_backend")
            out[name] = value
        elif name == "printer.queue":
            text = str(value).strip()
            if len(text) > 127 or any(c.isspace() or c in "/#" for c in text):
                raise ValidationError(text, field=name, key="console.bad_queue")
            out[name] = text
        elif name == "checkin.end_of_day":
            text = str(value).strip()
            if not _TIME.match(text):
                raise ValidationError(text, field=name, key="console.bad_end_of_day")
            out[name] = text
    backend = out.get("printer.backend", current.printer.backend)
    if backend == "cups" and not out.get("printer.queue", current.printer.queue):
        raise ValidationError("", field="printer.queue", key="console.needs_queue")
    if backend in ("escpos", "brother_ql") and not current.printer.address:
        raise ValidationError("", field="printer.backend", key="console.needs_address")
    langs = out.get("kiosk.languages", current.kiosk.languages)
    default = out.get("kiosk.default_language", current.kiosk.default_language)
    if default not in langs:
        raise ValidationError(default, field="kiosk.default_language", key="console.bad_default")
    return out


class ConsoleAdmin:
    """The admin's use cases. Call them off the UI thread."""

    def __init__(
        self,
        *,
        staff: StaffAccounts,
        config_path: Callable[[Settings], Path],
        print_queue: Any = None,
        notifier: Any = None,
        enrolled: bool = False,
    ) -> None:
        self.staff = staff
        #: an enrolled kiosk's staff come from head office by pull: an empty staff table there
        #: means "not pulled yet", not "a new site", so no first admin is made on its screen
        self.enrolled = enrolled
        self.store = staff.store
        #: where the settings file is (``$KIOSK_CONFIG``, or the file the settings came from)
        self.config_path = config_path
        self.print_queue = print_queue
        #: kiosk.core.notify.worker.NotifyWorker: its notifier sends the channel test
        self.notifier = notifier

    def _audit(self, actor: audit.Actor, action: str, **kw: Any) -> None:
        with self.store.transaction() as tx:
            audit.record(
                tx, actor, action, site_id=self.staff.site_id, kiosk_id=self.staff.kiosk_id, **kw
            )

    # -- first start ----------------------------------------------------------------------
    def first_admin_open(self) -> bool:
        """Whether the hidden entry offers the first-admin screen: a stand-alone kiosk with no
        staff account. (On an enrolled kiosk anyone at the screen could otherwise make an admin
        before head office's accounts arrive.)"""
        return not self.enrolled and not self.staff.has_staff()

    def first_admin(self, name: str, pin: str, pin_again: str) -> ConsoleSession:
        """The site's first account (admin), made on screen when it has none; signed in."""
        if self.enrolled:
            raise DeniedError("staff come from head office", key="reception.no_staff_enrolled")
        if self.staff.has_staff():
            raise DeniedError("the site has staff already", key="console.has_staff")
        if pin != pin_again:
            raise ValidationError("PINs differ", field="pin", key="console.pin_mismatch")
        self.staff.add(name, "admin", pin, by=audit.Actor("first-start"))
        return self.staff.enter(pin)

    # -- settings -------------------------------------------------------------------------
    def view(self, by: StaffMember, settings: Settings) -> SettingsView:
        require_admin(by)
        return self.view_of(settings)

    def view_of(self, s: Settings) -> SettingsView:
        """What the settings screen shows of ``s`` (reads one key of the store)."""
        values = {
            name: getattr(getattr(s, name.split(".")[0]), name.split(".")[1]) for name in EDITABLE
        }
        retention, from_head_office = s.checkin.retention_days, False
        site = json.loads(kv.get(self.store, "site.settings") or "{}")
        pushed = site.get("checkin", {}).get("retention_days") if isinstance(site, dict) else None
        if isinstance(pushed, int):
            retention, from_head_office = pushed, True
        return SettingsView(
            values=values,
            retention_days=retention,
            retention_from_head_office=from_head_office,
            site_id=s.site.id,
            site_name_zh=s.site.name_zh,
            site_name_en=s.site.name_en,
            timezone=s.site.timezone,
            kiosk_id=s.kiosk.id,
            config_path=str(self.config_path(s)),
        )

    def save(self, by: StaffMember, changes: dict[str, Any], current: Settings) -> SaveResult:
        """Write the changed keys to the settings file (atomically); ``SaveResult.settings``
        are ``current`` with them, for the caller to put in force (``apply_settings``)."""
        require_admin(by)
        checked = validate_changes(changes, current)
        changed = {
            n: v
            for n, v in checked.items()
            if getattr(getattr(current, n.split(".")[0]), n.split(".")[1]) != v
        }
        if not changed:
            return SaveResult(current, (), ())
        sections: dict[str, dict[str, Any]] = {}
        for name, value in changed.items():
            section, key = name.split(".")
            sections.setdefault(section, {})[key] = value
        path = self.config_path(current)
        try:
            save_settings(path, sections)
        except (OSError, KioskError) as e:
            raise KioskError(f"{path}: {e}", key="console.save_failed") from e
        # the settings in force are the old ones (with what enrollment set) plus these keys
        in_force = current
        for section, values in sections.items():
            in_force = in_force.replace(section, **values)
        self._audit(by.actor, "settings.changed", details={"keys": ",".join(sorted(changed))})
        restart = tuple(n for n in changed if n not in LIVE)
        return SaveResult(in_force, tuple(changed), restart)

    def printer_queues(self, by: StaffMember) -> list[str]:
        """The print queues CUPS offers here (``lpstat -e``), none when CUPS is not there."""
        require_admin(by)
        try:
            out = subprocess.run(
                ["lpstat", "-e"], capture_output=True, text=True, timeout=5, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return []
        if out.returncode != 0:
            return []
        return sorted({line.strip() for line in out.stdout.splitlines() if line.strip()})

    def test_print(self, by: StaffMember, language: str) -> str:
        """A test badge through the real print queue; its id for ``print_status``."""
        require_admin(by)
        if self.print_queue is None:
            raise KioskError("no print queue", key="console.no_printer")
        test_id = self.print_queue.test_print(language)
        self._audit(by.actor, "printer.test_print", subject_kind="print_job", subject_id=test_id)
        return test_id

    def print_status(self, by: StaffMember, test_id: str) -> Any:
        """How the test badge ``test_print`` queued is getting on."""
        require_admin(by)
        return self.print_queue.status_for(test_id)

    def test_channels(
        self, by: StaffMember, language: str, settings: Settings
    ) -> list[ChannelResult]:
        """A test message to each channel the desk relies on (``notify.front_desk_urls`` and
        ``[reception]``'s desk, security and backup channels, each once), sent by the notifier
        the host messages go through."""
        require_admin(by)
        desk = settings.reception
        listed = (
            *settings.notify.front_desk_urls,
            *desk.desk_channels,
            *desk.security_channels,
            *desk.backup_channels,
        )
        urls = list(dict.fromkeys(listed))
        if self.notifier is None or not urls:
            raise KioskError("no channel", key="console.no_channels")
        site = settings.site.name_zh if language.startswith("zh") else settings.site.name_en
        text = translate("console.test_message", language, site=site, kiosk=settings.kiosk.id)
        subject = translate("console.test_subject", language, site=site)
        message = Message(subject, text, f"<p>{text}</p>")
        results = []
        for url in urls:
            try:
                self.notifier.notifier.send(url, message, timeout=settings.notify.send_timeout)
                results.append(ChannelResult(redact_url(url)))
            except KioskError as e:
                results.append(ChannelResult(redact_url(url), e.message_key, str(e)))
        failed = sum(1 for r in results if r.error_key)
        self._audit(
            by.actor,
            "notify.channel_test",
            details={"channels": str(len(results)), "failed": str(failed)},
        )
        return results

    # -- staff accounts -------------------------------------------------------------------
    def members(self, by: StaffMember) -> list[StaffMember]:
        require_admin(by)
        return self.staff.members(include_disabled=True)

    def add_staff(
        self, by: StaffMember, name: str, role: str, pin: str, pin_again: str, language: str = ""
    ) -> StaffMember:
        require_admin(by)
        if role not in ROLES:
            raise ValidationError(role, field="role", key="reception.bad_role")
        if pin != pin_again:
            raise ValidationError("PINs differ", field="pin", key="console.pin_mismatch")
        return self.staff.add(name, role, pin, by=by.actor, language=language)

    def set_disabled(self, by: StaffMember, staff_id: str, disabled: bool) -> None:
        require_admin(by)
        if disabled and staff_id == by.id:
            raise DeniedError(staff_id, key="console.not_yourself")
        self.staff.set_disabled(staff_id, disabled, by=by.actor)

    def reset_pin(self, by: StaffMember, staff_id: str, pin: str, pin_again: str) -> None:
        require_admin(by)
        if pin != pin_again:
            raise ValidationError("PINs differ", field="pin", key="console.pin_mismatch")
        self.staff.reset_pin(staff_id, pin, by=by.actor)

    def set_language(self, by: StaffMember, language: str) -> StaffMember:
        """The console language of ``by``'s own account (any role; the visitor default stays)."""
        if language not in LANGUAGES:
            raise ValidationError(language, field="language", key="console.bad_languages")
        self.staff.set_language(by.id, language, by=by.actor)
        return StaffMember(by.id, by.name, by.role, language, by.disabled)

    # -- leaving --------------------------------------------------------------------------
    def leave(self, by: StaffMember) -> None:
        """Record that an admin closes the app (the shell then stops the workers and exits)."""
        require_admin(by)
        self._audit(by.actor, "app.left")

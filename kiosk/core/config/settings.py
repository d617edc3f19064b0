"""Settings: a TOML file with documented defaults, overridable by environment variables.

Lookup order, later wins: the defaults below → the TOML file (``$KIOSK_CONFIG`` or
``<platform config dir>/kiosk.toml``) → environment variables ``KIOSK_<SECTION>_<KEY>``
(for example ``KIOSK_KIOSK_IDLE_TIMEOUT=60``; lists are comma-separated).

A file that cannot be read, is not valid TOML, names an unknown key or gives a value of the
wrong type stops the kiosk with a ``ConfigError`` naming the file, the line and the key: the
kiosk never guesses.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from kiosk.core.config.desk_settings import EmergencySettings, TicketSettings
from kiosk.core.config.errors import ConfigError

APP_NAME = "lobby-kiosk"
#: the kiosk's database, in its data directory
DATABASE_FILE = "kiosk.sqlite3"


@dataclass(frozen=True)
class SiteSettings:
    #: the site's id at head office (enrollment sets it)
    id: str = "demo"
    #: the site's name in Chinese: top bar, badges, host messages (enrollment sets it)
    name_zh: str = "示范大厦"
    #: the site's name in English (enrollment sets it)
    name_en: str = "Demo Tower"
    #: IANA time zone for the clock, badges and the end of day (enrollment sets it)
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class KioskSettings:
    #: this kiosk's id within the site (set by enrollment)
    id: str = "kiosk-1"
    #: the name host messages give this kiosk ("Lobby east"); empty = its id (set by enrollment)
    name: str = ""
    #: seconds without a touch before "Are you still there?" appears
    idle_timeout: float = 45.0
    #: seconds the "Are you still there?" countdown lasts before going home
    idle_countdown: float = 10.0
    #: seconds the done screen (name, host, badge QR) stays before going home by itself, with a
    #: countdown; 0 leaves it to the idle prompt
    done_timeout: float = 20.0
    #: languages offered on screen
    languages: tuple[str, ...] = ("zh_CN", "en")
    #: the language each visitor starts in
    default_language: str = "zh_CN"
    #: full screen and locked down (``kiosk --windowed`` turns it off for one run)
    fullscreen: bool = True
    #: where the database and spool live; empty = the platform data directory
    data_dir: str = ""
    #: "lobby": visitors check in here, staff open receptionist mode with the hidden gesture;
    #: "desk": the reception desk's console, always in receptionist mode after a PIN (no
    #: visitor screens; it locks back to the PIN pad)
    role: str = "lobby"
    #: where the QR scanner sits beside the screen, so the home screen's hint points to it:
    #: below, left or right
    scanner_position: str = "below"
    #: a portrait kiosk's keyboards at the bottom of the screen, within reach from a
    #: wheelchair (landscape screens have them there anyway)
    lowered_keyboard: bool = False
    #: spoken guidance on for every visitor from the start: each visitor screen's title and
    #: hint read aloud on entry (a visitor switches it in the accessibility panel either way)
    spoken_guidance: bool = False


@dataclass(frozen=True)
class CheckinSettings:
    #: form fields a visitor must fill in: name, phone, company, purpose, host
    required_fields: tuple[str, ...] = ("name", "phone", "purpose", "host")
    #: the purpose buttons; a new one needs ``purpose.<name>`` in both message catalogues
    purposes: tuple[str, ...] = ("meeting", "interview", "delivery", "contractor", "other")
    #: local time at which visits still open are closed as "not signed out"
    end_of_day: str = "22:00"
    #: stored with every visit; change it when the privacy notice changes
    consent_version: str = "2026-12"
    #: days visitors' personal data is kept before it is anonymised, until head office sets
    #: the site's period (which then holds, shown read-only in the console)
    retention_days: int = 30
    #: the couriers on the Delivery screen: built-in keys (sf_express, jd, meituan, eleme,
    #: documents, other) or a site's own as ``key=中文名|English name``
    couriers: tuple[str, ...] = ("sf_express", "jd", "meituan", "eleme", "documents", "other")
    #: the optional one-tap rating on the goodbye screen: faces (three), stars (1-5) or off
    rating: str = "faces"
    #: ask for the visitor's ID card number (身份证, sensitive under PIPL art. 28) on its own
    #: optional step after the name, with its own consent line; off: never asked, never stored
    id_numbers: bool = False
    #: days an ID number is kept (sealed) before it is emptied; the site's retention period
    #: caps it (the shorter of the two holds)
    id_retention_days: int = 7


@dataclass(frozen=True)
class PrinterSettings:
    #: file, cups, escpos, brother_ql
    backend: str = "file"
    #: CUPS queue name (cups backend)
    queue: str = ""
    #: host:port or device for escpos / brother_ql
    address: str = ""
    #: folder for the file backend; empty = <data dir>/badges
    out_dir: str = ""
    #: badge template name or path: label_62x100, label_62_continuous, receipt_80
    template: str = "label_62x100"
    #: a second printer for when this one fails: "file", "cups:QUEUE", "escpos:HOST:PORT",
    #: "brother_ql:HOST:PORT"; empty = none
    fallback: str = ""
    #: hours a badge stays valid after check-in
    badge_valid_hours: int = 12
    #: hours the file backend keeps each badge's PNG and PDF before deleting them
    file_keep_hours: float = 24.0


@dataclass(frozen=True)
class HeadOfficeSettings:
    #: head office's address (``https://head-office.example.com``) when it is not the one the
    #: kiosk enrolled with; empty = the enrollment's, or none: a stand-alone kiosk
    url: str = ""
    #: a PEM file of a private CA; TLS verification is never turned off
    ca_bundle: str = ""
    #: seconds between sync rounds when idle
    interval: float = 15.0
    #: let head office hold the idle round's pull until something changes (up to the
    #: interval, 30 s at most): a host's reply or an emergency arrives within about a second,
    #: with no more requests than plain rounds; false: a plain pull every interval
    held_pull: bool = True
    #: events pushed per request
    batch_size: int = 500
    #: minutes after the last successful pull from which the top bar shows "watchlist as of …"
    #: and the desk gets one alert per stale period (0: never)
    stale_after_minutes: float = 15.0
    #: minutes after the last successful pull from which new check-ins are held for the desk,
    #: like a watchlist match (0: never, the default)
    hold_after_minutes: float = 0.0


@dataclass(frozen=True)
class NotifySettings:
    #: apprise URLs for the front desk (escalation's last step)
    front_desk_urls: tuple[str, ...] = ()
    #: seconds to wait for the host before escalating
    escalate_after: float = 120.0
    #: apprise URLs per department, as "department_id=URL" (one department may repeat)
    department_urls: tuple[str, ...] = ()
    #: this site's reply-link key set by hand, ``VERSION:HEX`` (``kiosk-server show-key``);
    #: empty = fetched from head office with the kiosk token (the usual way)
    reply_key: str = ""
    #: seconds a reply link stays valid (at most 604800, 7 days)
    reply_ttl: float = 3600.0
    #: the N of "Please wait N minutes"
    wait_minutes: int = 5
    #: seconds one send may take before the channel counts as failed for this attempt
    send_timeout: float = 10.0
    #: apprise mailto:// or mailtos:// URL of the mail relay, with its credentials and from=,
    #: without to=: hosts with an e-mail address in the directory are sent mail through it;
    #: empty = hosts are notified only through their notify_urls
    mail_server: str = ""
    #: apprise URL template of an SMS gateway with {mobile} where the number goes, e.g.
    #: json://sms.example.com/send?:to={mobile} or twilio://SID:TOKEN@FROM/{mobile}: a ticket's
    #: client who left a mobile and agreed is texted when it is resolved and when the desk
    #: sends what it told them; empty = a mobile is called, not texted
    sms_gateway: str = ""


@dataclass(frozen=True)
class ReceptionSettings:
    #: apprise URLs of the front desk's own channels: every alert on the console goes there too
    desk_channels: tuple[str, ...] = ()
    #: apprise URLs of security: each watchlist match is sent there at once
    security_channels: tuple[str, ...] = ()
    #: who covers while the desk is unattended, as staff and visitors read it
    #: ("Security office, ext. 8000"); the console's "leave the desk" switch needs it
    backup_contact: str = ""
    #: apprise URLs of the backup contact: while the desk is unattended, watchlist matches and
    #: visitors' "ask a person" go there
    backup_channels: tuple[str, ...] = ()
    #: seconds head office may stay unreachable before the desk gets an alert (0 = never)
    offline_alert_after: float = 1800.0


@dataclass(frozen=True)
class Settings:
    site: SiteSettings = field(default_factory=SiteSettings)
    kiosk: KioskSettings = field(default_factory=KioskSettings)
    checkin: CheckinSettings = field(default_factory=CheckinSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    head_office: HeadOfficeSettings = field(default_factory=HeadOfficeSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    reception: ReceptionSettings = field(default_factory=ReceptionSettings)
    tickets: TicketSettings = field(default_factory=TicketSettings)
    emergency: EmergencySettings = field(default_factory=EmergencySettings)
    #: the file these came from, if any
    source: str = ""

    @property
    def data_dir(self) -> Path:
        if self.kiosk.data_dir:
            return Path(self.kiosk.data_dir).expanduser()
        return Path(platformdirs.user_data_dir(APP_NAME))

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    def replace(self, section: str, **changes: Any) -> Settings:
        return dataclasses.replace(
            self, **{section: dataclasses.replace(getattr(self, section), **changes)}
        )

    def to_dict(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for f in fields(self):
            if f.name == "source":
                continue
            section = getattr(self, f.name)
            out[f.name] = {
                sf.name: list(v) if isinstance(v := getattr(section, sf.name), tuple) else v
                for sf in fields(section)
            }
        return out


SECTIONS = [f.name for f in fields(Settings) if f.name != "source"]


def default_config_path() -> Path:
    env = os.environ.get("KIOSK_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "kiosk.toml"


def load_settings(
    path: Path | str | None = None, *, environ: dict[str, str] | None = None
) -> Settings:
    """Defaults, then the TOML file (if it exists), then the environment."""
    environ = dict(os.environ) if environ is None else environ
    config_path = Path(path) if path is not None else default_config_path()
    data: dict[str, Any] = {}
    text = ""
    if config_path.exists():
        try:
            text = config_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{config_path}: cannot read the settings file: {e}") from e
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{config_path}: not valid TOML: {e}") from e
    elif path is not None:
        raise ConfigError(f"{config_path}: the settings file does not exist")

    sections: dict[str, Any] = {}
    for name in SECTIONS:
        cls = type(getattr(Settings(), name))
        values = data.pop(name, {})
        if not isinstance(values, dict):
            line = _line_of(text, name, None)
            raise ConfigError(f"{config_path}, line {line}: [{name}] must be a table")
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, raw in values.items():
            if key not in known:
                line = _line_of(text, name, key)
                raise ConfigError(
                    f"{config_path}, line {line}: unknown key '{name}.{key}' "
                    f"(known: {', '.join(sorted(known))})"
                )
            kwargs[key] = _coerce(
                raw,
                known[key],
                f"{config_path}, line {_line_of(text, name, key)}: key '{name}.{key}'",
            )
        for key, f in known.items():
            env_name = f"KIOSK_{name}_{key}".upper()
            if env_name in environ:
                kwargs[key] = _coerce_env(environ[env_name], f, f"environment variable {env_name}")
        sections[name] = cls(**kwargs)
    if data:
        key = next(iter(data))
        raise ConfigError(
            f"{config_path}, line {_line_of(text, key, None)}: unknown section or key '{key}' "
            f"(sections: {', '.join(SECTIONS)})"
        )
    checkin = sections["checkin"]
    if not 1 <= checkin.id_retention_days <= checkin.retention_days:
        raise ConfigError(
            f"{config_path}: [checkin] id_retention_days must be from 1 to retention_days "
            f"({checkin.retention_days}), got {checkin.id_retention_days}"
        )
    return Settings(**sections, source=str(config_path) if text else "")


def _kind(f: dataclasses.Field) -> str:
    default = f.default if f.default is not dataclasses.MISSING else None
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, tuple):
        return "list"
    return "str"


def _coerce(raw: Any, f: dataclasses.Field, where: str) -> Any:
    kind = _kind(f)
    ok = {
        "bool": isinstance(raw, bool),
        "int": isinstance(raw, int) and not isinstance(raw, bool),
        "float": isinstance(raw, int | float) and not isinstance(raw, bool),
        "list": isinstance(raw, list) and all(isinstance(x, str) for x in raw),
        "str": isinstance(raw, str),
    }[kind]
    if not ok:
        wanted = {
            "bool": "true or false",
            "int": "a whole number",
            "float": "a number",
            "list": "a list of strings",
            "str": "a string",
        }[kind]
        raise ConfigError(f"{where} must be {wanted}, got {raw!r}")
    if kind == "float":
        return float(raw)
    if kind == "list":
        return tuple(raw)
    return raw


def _coerce_env(raw: str, f: dataclasses.Field, where: str) -> Any:
    kind = _kind(f)
    try:
        if kind == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError as e:
        raise ConfigError(f"{where} must be {kind}, got {raw!r}") from e
    if kind == "list":
        return tuple(x.strip() for x in raw.split(",") if x.strip())
    return raw


def _line_of(text: str, section: str, key: str | None) -> int:
    """Best-effort line number of ``[section] key`` (or of the section) in the TOML text."""
    in_section = False
    section_line = 1
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped.strip("[] ") == section
            if in_section:
                section_line = number
                if key is None:
                    return number
            continue
        if key is not None and in_section and stripped.split("=")[0].strip().strip('"') == key:
            return number
        if key is None and stripped.split("=")[0].strip() == section:
            return number
    return section_line

"""Sending one message to one channel: the ``Notifier`` boundary, through apprise URLs.

A channel is one apprise URL (``mailto://…``, ``wecombot://…``, ``dingtalk://…``, ``feishu://…``,
``slack://…``, ``workflows://…``, ``json://…``). This module knows how to check a URL, how to
show it without its secrets, and how to send one rendered ``Message`` through it with a time
limit. Scheduling, retries, escalation and the "one slow channel never holds up another" rule
live in ``notify_worker``.

Secrets (passwords, tokens, webhook keys) must never reach a log line or an error message:
everything printed about a URL goes through ``redact_url``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlsplit

from kiosk.core.config.errors import ConfigError, NotifyError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Message:
    """A rendered host message: one subject line, a plain-text body and an HTML body."""

    subject: str
    text: str
    html: str


class Notifier(Protocol):
    """Sends one message through one channel URL, or raises ``NotifyError``."""

    def send(self, url: str, message: Message, *, timeout: float) -> None: ...

    def validate(self, url: str) -> str:
        """The service name the URL is for; ``ConfigError`` with a clear message otherwise."""
        ...


# -- secrets ---------------------------------------------------------------------------------
_SECRET_QUERY = re.compile(
    r"(pass|pwd|token|secret|key|auth|sig|signature|access|code|apikey|webhook)", re.I
)
_LONG_TOKEN = re.compile(r"^[A-Za-z0-9_\-+=.]{16,}$")
_MASK = "****"


#: schemes whose host part is a real server name (kept in logs); for every other service the
#: "host" and path are tokens or webhook keys (Slack, WeCom, DingTalk, Feishu …) and are masked
_ADDRESS_SCHEMES = {"mailto", "mailtos", "json", "jsons", "xml", "xmls", "form", "forms"}


def _secret_parts(url: str) -> list[str]:
    """Substrings of ``url`` that may be secrets: the password, secret-looking query values,
    and for token-addressed services the host and path (webhook keys live there)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    if parts.password:
        found.append(parts.password)
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if value and (_SECRET_QUERY.search(key) or _LONG_TOKEN.match(value)):
            found.append(value)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme.lower() in _ADDRESS_SCHEMES:
        found += [s for s in segments if _LONG_TOKEN.match(s)]
        if parts.username and _LONG_TOKEN.match(parts.username):
            found.append(parts.username)
    else:
        host = parts.netloc.rsplit("@", 1)[-1]
        found += [host, *(s for s in segments if not s.startswith(("#", "@", "+")))]
        if parts.username:
            found.append(parts.username)
    # the longest first, so a secret containing another is masked whole
    return sorted({s for s in found if len(s) >= 2}, key=len, reverse=True)


def scrub(text: str, urls: Iterable[str]) -> str:
    """``text`` with every secret of every URL in ``urls`` replaced by ``****``."""
    for url in urls:
        for secret in _secret_parts(url):
            text = text.replace(secret, _MASK)
            encoded = quote(secret, safe="")
            if encoded != secret:
                text = text.replace(encoded, _MASK)
    return text


def redact_url(url: str) -> str:
    """The URL as it may appear in a log or on a settings screen: secrets masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if not parts.scheme:
        return _MASK
    shown = scrub(url, [url])
    if parts.password:
        # a password in the user-info part is masked even when it is one character long
        shown = re.sub(r"^([^:]+://[^/@:]*:)[^@/]*@", r"\1" + _MASK + "@", shown, count=1)
    return shown


# -- apprise -----------------------------------------------------------------------------------
class _ThreadCapture(logging.Handler):
    """Collects apprise's log records of the current thread while a send is running, so a
    failure can say why ("connection refused") without apprise's global log capture."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self._local = threading.local()

    def start(self) -> None:
        self._local.records = []

    def stop(self) -> list[str]:
        records: list[str] = getattr(self._local, "records", None) or []
        self._local.records = None
        return records

    def emit(self, record: logging.LogRecord) -> None:
        records = getattr(self._local, "records", None)
        if records is not None:
            # a broken log call must never break a send
            with contextlib.suppress(Exception):
                records.append(record.getMessage())


_capture = _ThreadCapture()
_capture_lock = threading.Lock()
_capture_installed = False


def _install_capture() -> None:
    global _capture_installed
    with _capture_lock:
        if not _capture_installed:
            apprise_log = logging.getLogger("apprise")
            apprise_log.addHandler(_capture)
            # apprise's records go to the capture only, never on to the kiosk's log: some name
            # the URL they failed on, tokens included. The worker logs the reason itself,
            # through ``scrub``. DEBUG, because the socket error is a debug line in apprise.
            apprise_log.setLevel(logging.DEBUG)
            apprise_log.propagate = False
            _capture_installed = True


class AppriseNotifier:
    """The real channels. One apprise plugin object per URL, reused, never throttled.

    apprise sleeps up to 5.5 s between two sends of the same plugin object by default
    (``request_rate_per_sec``); a busy lobby sends many messages to the same relay, so the
    throttle is turned off on every plugin made here. Not for concurrent use of one URL from
    several threads: the worker sends through each channel from one thread at a time.
    """

    def __init__(self) -> None:
        import apprise

        self._apprise = apprise
        self._asset = apprise.AppriseAsset(async_mode=False)
        self._plugins: dict[str, Any] = {}
        self._lock = threading.Lock()
        _install_capture()

    def _plugin(self, url: str) -> Any:
        with self._lock:
            plugin = self._plugins.get(url)
        if plugin is None:
            plugin = self._apprise.Apprise.instantiate(url, asset=self._asset)
            if plugin is None:
                raise ConfigError(_invalid_message(url), key="notify.error.bad_url")
            plugin.request_rate_per_sec = 0
            with self._lock:
                self._plugins[url] = plugin
        return plugin

    def forget(self, url: str) -> None:
        """Drop the plugin object of ``url`` (after a send that never came back)."""
        with self._lock:
            self._plugins.pop(url, None)

    def validate(self, url: str) -> str:
        plugin = self._plugin(url)
        return str(plugin.service_name or type(plugin).__name__)

    def send(self, url: str, message: Message, *, timeout: float) -> None:
        try:
            plugin = self._plugin(url)
        except ConfigError as e:
            raise NotifyError(str(e), key="notify.error.bad_url") from e
        plugin.socket_connect_timeout = timeout
        plugin.socket_read_timeout = timeout
        formats = plugin.notify_format
        preferred = formats[0] if isinstance(formats, tuple) else formats
        if preferred == self._apprise.NotifyFormat.HTML:
            body, body_format = message.html, self._apprise.NotifyFormat.HTML
        else:
            body, body_format = message.text, self._apprise.NotifyFormat.TEXT
        _capture.start()
        try:
            ok = plugin.notify(body=body, title=message.subject, body_format=body_format)
        except Exception as e:  # apprise plugins may raise on odd input; never crash the worker
            _capture.stop()
            raise NotifyError(
                scrub(f"{redact_url(url)}: {type(e).__name__}: {e}", [url]),
                key="notify.error.send",
            ) from e
        lines = _capture.stop()
        if not ok:
            reason = _reason(lines)
            raise NotifyError(
                scrub(f"{redact_url(url)}: not delivered{': ' + reason if reason else ''}", [url]),
                key="notify.error.send",
            )


def _reason(lines: list[str]) -> str:
    """The most telling of apprise's log lines for a failed send."""
    for line in reversed(lines):
        if "Exception" in line or "rror" in line or "refused" in line or "timed out" in line:
            return line.strip()[:300]
    return lines[-1].strip()[:300] if lines else ""


def _invalid_message(url: str) -> str:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    shown = redact_url(url)
    if not scheme:
        return f"{shown}: not a notification URL (expected something like mailto://… or json://…)"
    return (
        f"{shown}: apprise does not understand this URL (unknown service '{scheme}://' or a "
        "missing/invalid part such as the host, token or recipient); see docs/notifications.md"
    )


def validate_urls(notifier: Notifier, urls: Iterable[str], *, where: str) -> list[str]:
    """Check every URL; ``ConfigError`` naming ``where`` (e.g. ``notify.front_desk_urls``)
    and the redacted URL for the first that does not parse. Returns the service names."""
    names = []
    for url in urls:
        try:
            names.append(notifier.validate(url))
        except ConfigError as e:
            raise ConfigError(f"{where}: {e.detail or e}", key="notify.error.bad_url") from e
    return names


def mail_url(mail_server: str, address: str) -> str:
    """The channel URL of one e-mail address through the kiosk's mail server
    (``[notify] mail_server``, an apprise ``mailto://``/``mailtos://`` URL without ``to=``).

    Resolved at send time, so the relay's credentials stay in the kiosk's settings: head office
    and the pull feed carry only the address."""
    sep = "&" if "?" in mail_server else "?"
    return f"{mail_server}{sep}to={quote(address, safe='@')}"


def host_channels(urls: Iterable[str], email: str, mail_server: str) -> tuple[str, ...]:
    """A host's channels: their own ``notify_urls``, then their e-mail address through the mail
    server when one is set (once, even if a URL already mails the same address)."""
    out = list(dict.fromkeys(urls))
    if email and mail_server:
        url = mail_url(mail_server, email)
        if url not in out:
            out.append(url)
    return tuple(out)


def check_mail_server(notifier: Notifier, mail_server: str) -> None:
    """``ConfigError`` unless ``mail_server`` is a mailto/mailtos URL apprise accepts, without
    a recipient of its own."""
    where = "notify.mail_server"
    scheme = mail_server.split("://", 1)[0].lower()
    if scheme not in ("mailto", "mailtos"):
        raise ConfigError(
            f"{where}: {redact_url(mail_server)} must be a mailto:// or mailtos:// URL",
            key="notify.error.bad_url",
        )
    if any(k.lower() == "to" for k, _ in parse_qsl(urlsplit(mail_server).query)):
        raise ConfigError(
            f"{where}: {redact_url(mail_server)} names a recipient (to=); leave it out, the "
            "host's e-mail address is added to it",
            key="notify.error.bad_url",
        )
    validate_urls(notifier, [mail_url(mail_server, "host@example.com")], where=where)


def department_urls(entries: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``("rnd=mailto://…", "rnd=json://…", "hr=…")`` → ``{"rnd": (…, …), "hr": (…,)}``."""
    out: dict[str, list[str]] = {}
    for entry in entries:
        dept, sep, url = entry.partition("=")
        if not sep or not dept.strip() or "://" in dept or not url.strip():
            raise ConfigError(
                f"notify.department_urls: '{redact_url(entry)}' must look like 'department_id=URL'",
                key="notify.error.bad_url",
            )
        out.setdefault(dept.strip(), []).append(url.strip())
    return {k: tuple(v) for k, v in out.items()}


# -- the fake --------------------------------------------------------------------------------
@dataclass
class Sent:
    url: str
    message: Message
    at: float


@dataclass
class FakeNotifier:
    """In-process channels for unit tests: records what was sent; URLs can fail or stall.

    ``fail`` holds URL prefixes that raise ``NotifyError``; ``delay`` maps URL prefixes to
    seconds of real sleep (a slow channel); ``bad`` holds prefixes that do not validate.
    """

    fail: set[str] = field(default_factory=set)
    delay: dict[str, float] = field(default_factory=dict)
    bad: set[str] = field(default_factory=set)
    sent: list[Sent] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def validate(self, url: str) -> str:
        if "://" not in url or any(url.startswith(p) for p in self.bad):
            raise ConfigError(_invalid_message(url), key="notify.error.bad_url")
        return url.split("://", 1)[0]

    def send(self, url: str, message: Message, *, timeout: float) -> None:
        with self._lock:
            self.attempts.append(url)
        for prefix, seconds in self.delay.items():
            if url.startswith(prefix):
                time.sleep(min(seconds, timeout))
                if seconds >= timeout:
                    raise NotifyError(f"{redact_url(url)}: timed out", key="notify.error.send")
        if any(url.startswith(p) for p in self.fail):
            raise NotifyError(f"{redact_url(url)}: refused", key="notify.error.send")
        with self._lock:
            self.sent.append(Sent(url, message, time.monotonic()))

    def to(self, url_prefix: str) -> list[Message]:
        with self._lock:
            return [s.message for s in self.sent if s.url.startswith(url_prefix)]

"""Head office's mail boundary: one ``EmailMessage`` handed to a real SMTP server (smtplib).

The relay is ``$KIOSK_SERVER_MAIL_URL``, written as the kiosks write their ``[notify]
mail_server``: ``mailto://[user:password@]host[:port]?from=sender@example.com`` (plain SMTP,
port 25 by default) or ``mailtos://…`` (TLS: port 465 implicit TLS, any other port STARTTLS,
587 by default). Without it head office sends no mail and the dashboard says so.

A send either succeeds, raises ``MailRefused`` (the server refused the recipient for good: a
5xx answer to it; the caller quarantines the address) or raises ``NotifyError`` (anything else:
a 4xx answer, a refused or dropped connection, a timeout; the caller retries).

Guests with a mobile number also get a text message when ``$KIOSK_SERVER_SMS_URL`` names an SMS
gateway: an apprise URL with ``{phone}`` where the guest's number goes (a generic HTTP gateway
``json://sms.example.com/send/{phone}`` / ``form://…``, or a named provider's URL), sent
through the kiosk's notifier boundary (``AppriseNotifier``). Mainland gateways accept only an
approved signature and template: ``$KIOSK_SERVER_SMS_TEMPLATE`` is the text with ``{code}``,
``{site}`` and ``{day}`` filled in (default: the catalogue's ``invite_mail.sms`` in the
guest's language).

Must never: put the password in a log line or an error (``redact_url`` shows the URL).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from kiosk.core.config.errors import ConfigError, NotifyError
from kiosk.core.notify.channels import redact_url
from kiosk.core.notify.sms import PLACEHOLDER, sms_url

MAIL_URL_ENV = "KIOSK_SERVER_MAIL_URL"
SMS_URL_ENV = "KIOSK_SERVER_SMS_URL"
SMS_TEMPLATE_ENV = "KIOSK_SERVER_SMS_TEMPLATE"


class MailRefused(NotifyError):
    """The mail server refused this recipient for good (5xx): do not try the address again."""


class MailSender(Protocol):
    """Sends one message, or raises ``MailRefused`` / ``NotifyError``."""

    @property
    def sender(self) -> str:
        """The From address."""
        ...

    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    sender: str
    tls: str = ""  # "", "implicit" or "starttls"
    user: str = ""
    password: str = ""
    timeout: float = 20.0

    def send(self, message: EmailMessage) -> None:
        if "From" not in message:
            message["From"] = self.sender
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message, from_addr=self.sender)
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _ in e.recipients.values()]
            detail = "; ".join(
                f"{c} {m.decode('utf-8', 'replace')}" for c, m in e.recipients.values()
            )
            if codes and all(500 <= c < 600 for c in codes):
                raise MailRefused(f"recipient refused: {detail}") from e
            raise NotifyError(f"recipient not accepted yet: {detail}") from e
        except smtplib.SMTPResponseException as e:
            text = (
                e.smtp_error.decode("utf-8", "replace")
                if isinstance(e.smtp_error, bytes)
                else str(e.smtp_error)
            )
            raise NotifyError(f"mail server answered {e.smtp_code} {text}") from e
        except (smtplib.SMTPException, OSError) as e:
            raise NotifyError(f"mail server {self.host}:{self.port} unreachable: {e}") from e

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "implicit":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp


def sender_from_url(url: str) -> SmtpSender:
    """The sender a ``mailto://`` / ``mailtos://`` URL describes; ``ConfigError`` otherwise."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("mailto", "mailtos") or not parts.hostname:
        raise ConfigError(
            f"{MAIL_URL_ENV}: need mailto://host[:port]?from=… , got {redact_url(url)}"
        )
    query = parse_qs(parts.query)
    sender = (query.get("from") or [""])[0]
    if "@" not in sender:
        raise ConfigError(f"{MAIL_URL_ENV}: from=<sender address> is missing in {redact_url(url)}")
    try:
        explicit = parts.port
    except ValueError as e:
        raise ConfigError(f"{MAIL_URL_ENV}: bad port in {redact_url(url)}") from e
    if scheme == "mailto":
        port, tls = explicit or 25, ""
    else:
        port = explicit or 587
        tls = "implicit" if port == 465 else "starttls"
    return SmtpSender(
        host=parts.hostname,
        port=port,
        sender=sender,
        tls=tls,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def configured_sender(environ: dict[str, str] | None = None) -> SmtpSender | None:
    """The sender ``$KIOSK_SERVER_MAIL_URL`` names, None when it is not set."""
    url = (os.environ if environ is None else environ).get(MAIL_URL_ENV, "").strip()
    return sender_from_url(url) if url else None


@dataclass(frozen=True)
class SmsGateway:
    """An SMS gateway as an apprise URL with ``{mobile}`` (as the kiosk's ``[notify]
    sms_gateway``; ``{phone}`` is read the same), and the approved template if any."""

    url: str
    template: str = ""

    def url_for(self, phone: str) -> str:
        """The number URL-quoted in, ``+`` included (a raw ``+`` in a query reads as a space),
        exactly as the kiosk does (``kiosk.core.notify.sms``)."""
        return sms_url(self.url.replace("{phone}", PLACEHOLDER), phone)


def configured_sms(environ: dict[str, str] | None = None) -> SmsGateway | None:
    """The gateway ``$KIOSK_SERVER_SMS_URL`` names (None when unset; ``ConfigError`` without
    ``{mobile}`` in it)."""
    env = os.environ if environ is None else environ
    url = env.get(SMS_URL_ENV, "").strip()
    if not url:
        return None
    if PLACEHOLDER not in url and "{phone}" not in url:
        raise ConfigError(
            f"{SMS_URL_ENV}: put {PLACEHOLDER} where the number goes: {redact_url(url)}"
        )
    return SmsGateway(url, env.get(SMS_TEMPLATE_ENV, "").strip())

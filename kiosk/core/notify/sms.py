"""Text messages to a client's mobile through an SMS gateway (``[notify] sms_gateway``).

The gateway is an apprise URL template with ``{mobile}`` where the number goes: a generic HTTP
gateway (``json://sms.example.com/send?:to={mobile}``, ``form://…``) or a named apprise
provider (``twilio://SID:TOKEN@FROM/{mobile}``). The full URL, with the number in it, exists
only for the send: the delivery row seals it (``alert_deliveries.add``) and
shows the template (``channel``) wherever a channel is named (console, logs, alerts).

Must never: log or show a client's number; import Kivy.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from kiosk.core.config.errors import ConfigError
from kiosk.core.notify.channels import Notifier, redact_url, validate_urls

PLACEHOLDER = "{mobile}"
#: an SMS's length the gateway is asked to carry (longer texts are cut, a link never is:
#: the client's message has none)
MAX_TEXT = 300
_MOBILE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,22}$")


def mobile_of(contact: str) -> str:
    """The number a contact is, digits (and a leading ``+``) only; "" when it is not one."""
    contact = (contact or "").strip()
    if not _MOBILE.match(contact):
        return ""
    digits = re.sub(r"[^0-9]", "", contact)
    if not 6 <= len(digits) <= 15:
        return ""
    return ("+" if contact.startswith("+") else "") + digits


def sms_url(template: str, mobile: str) -> str:
    """The gateway's URL for one number (URL-quoted in, ``+`` included)."""
    return template.replace(PLACEHOLDER, quote(mobile, safe=""))


def sms_channel(template: str) -> str:
    """How an SMS delivery names its channel: the template, secrets masked, no number."""
    return "sms " + redact_url(template)


def check_sms_gateway(notifier: Notifier, template: str) -> None:
    """``ConfigError`` unless the template has ``{mobile}`` once and apprise accepts it."""
    where = "notify.sms_gateway"
    if template.count(PLACEHOLDER) != 1:
        raise ConfigError(
            f"{where}: {redact_url(template)} must contain {PLACEHOLDER} once, where the "
            "client's number goes",
            key="notify.error.bad_url",
        )
    validate_urls(notifier, [sms_url(template, "+8613800000000")], where=where)

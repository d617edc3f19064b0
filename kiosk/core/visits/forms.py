"""What the check-in screens exchange with the use cases: forms, results, masking, validation.

Pure: no store, no clock. What a lookup returns for display is masked here (never a list of
other visitors, never a clear name on screen).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.core.config.errors import ValidationError
from kiosk.core.config.settings import Settings
from kiosk.core.models import Invitation, Visit, Visitor

#: makes the code printed in the badge's QR: (visit_id, site_id, valid_until) -> code
BadgeIssuer = Callable[[str, str, datetime], str]
#: checks a scanned badge code and returns the visit id it proves: (code) -> visit_id
BadgeVerifier = Callable[[str], str]

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def random_badge_code(visit_id: str, site_id: str, valid_until: datetime) -> str:
    """A random code for stand-alone use; signed tokens replace it where configured."""
    return "V" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(11))


@dataclass(frozen=True)
class CheckinForm:
    """What the visitor entered. Empty strings for fields left blank."""

    name: str = ""
    phone: str = ""
    company: str = ""
    purpose: str = ""
    host_id: str | None = None
    department_id: str | None = None
    consent: bool = False
    language: str = "zh_CN"
    #: set when a returning visitor confirmed their earlier record
    visitor_id: str | None = None
    #: the visitor has no mobile number (or a foreign one they cannot receive on): no number
    #: is asked for, no earlier record is matched, and the desk is told
    no_phone: bool = False
    #: the ID card number (only where ``[checkin] id_numbers`` is on; '' when skipped) and
    #: the visitor's tick on its own consent line
    id_number: str = field(default="", repr=False)
    id_consent: bool = False


@dataclass(frozen=True)
class ReturningVisitor:
    """Shown to a visitor who typed their full mobile number: masked, for confirmation."""

    visitor_id: str
    masked_name: str
    masked_company: str
    #: the clear values, used to pre-fill the form; never shown unmasked on screen
    name: str = field(repr=False)
    company: str = field(repr=False)


@dataclass(frozen=True)
class CheckinResult:
    visit: Visit
    visitor: Visitor
    denied: bool = False
    invitation: Invitation | None = None


@dataclass(frozen=True)
class OpenVisit:
    """One open visit, as the check-out picker shows it (no personal data beyond the host)."""

    visit_id: str
    host_id: str | None
    department_id: str | None
    checked_in_at: datetime | None


def validate_phone(phone: str) -> str:
    """Normalised phone, or ValidationError with a catalogue key."""
    from kiosk.core.visits import validation

    return validation.parse_phone(phone).normalised


def validate_form(form: CheckinForm, settings: Settings) -> dict[str, str]:
    """Field name → message key for every problem; empty when the form may be confirmed."""
    from kiosk.core.visits import validation

    required = set(settings.checkin.required_fields)
    problems: dict[str, str] = {}

    def check(name: str, fn: Callable[[str], object], value: str) -> None:
        if not value.strip():
            if name in required:
                problems[name] = f"checkin.required.{name}"
            return
        try:
            fn(value)
        except ValidationError as e:
            problems[name] = e.message_key

    check("name", validation.validate_name, form.name)
    if form.no_phone:
        required.discard("phone")
    check("phone", validation.parse_phone, "" if form.no_phone else form.phone)
    check("company", validation.validate_company, form.company)
    if "purpose" in required and not form.purpose:
        problems["purpose"] = "checkin.required.purpose"
    elif form.purpose and form.purpose not in settings.checkin.purposes:
        problems["purpose"] = "checkin.invalid.purpose"
    if "host" in required and not (form.host_id or form.department_id):
        problems["host"] = "checkin.required.host"
    if settings.checkin.id_numbers and form.id_number:
        from kiosk.core.visits.id_numbers import validate_id_number

        check("id_number", validate_id_number, form.id_number)
        if "id_number" not in problems and not form.id_consent:
            problems["id_number"] = "checkin.required.id_consent"
    if not form.consent:
        problems["consent"] = "checkin.required.consent"
    return problems

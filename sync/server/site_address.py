"""A site's postal address, in Chinese and in English: where a guest is going.

Head office keeps it (``sites.address_zh``/``address_en``, migration 0020) and shows it in the
guests' invitation mails (``invitation_mail.py``) and on the route page (``route_page.py``);
kiosks do not need it, so it is not in the site's pull feed. Set where sites are made and
changed: ``POST /api/v1/sites``/``PATCH /api/v1/sites/{id}``, ``kiosk-server add-site`` /
``rename-site`` and the dashboard's site pages.

Must never: store text a mail or page could not show as one plain line (control characters,
more than ``ADDRESS_MAX`` characters); either language may be empty.
"""

from __future__ import annotations

import unicodedata

from kiosk.core.config.errors import ValidationError

#: characters of one address (a long Chinese address with building, floor and postcode is < 80)
ADDRESS_MAX = 300
FIELDS = ("address_zh", "address_en")


def clean_address(value: object, *, field: str) -> str:
    """``value`` trimmed, with runs of spaces made one, or ``ValidationError`` (key
    ``site.address.invalid``, ``field``) for what is not text, too long or has a control
    character (a line break included: the address is shown on one line)."""
    if not isinstance(value, str):
        raise ValidationError(
            f"{field}: an address is text", field=field, key="site.address.invalid"
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        raise ValidationError(
            f"{field}: an address has no control characters or line breaks",
            field=field,
            key="site.address.invalid",
        )
    text = " ".join(value.split())
    if len(text) > ADDRESS_MAX:
        raise ValidationError(
            f"{field}: an address has at most {ADDRESS_MAX} characters",
            field=field,
            key="site.address.invalid",
        )
    return text


def address_in(site: object, lang: str) -> str:
    """The site's address in ``lang``, else in the other language, else ""."""
    zh, en = getattr(site, "address_zh", "") or "", getattr(site, "address_en", "") or ""
    return (zh or en) if lang == "zh_CN" else (en or zh)

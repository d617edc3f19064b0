"""Invitations by e-mail: the guest's message (their language, the visit's details, the site's
address, the code as an inline QR image, the directions link to the host's room) and its
delivery record.

``queue_invitation_mail`` writes the record in the caller's transaction (the invitation and
its message commit together); ``InvitationMailer`` (``mail_worker.py``) sends what is due. The
QR holds the invitation code exactly as the kiosk's scanner routes it (a scanned invitation
code opens the invitation, ``kiosk/shell/scanner.py``), so the guest holds the mail up to the
lobby scanner or types the code.

Must never: queue a message to a quarantined address, or write the address in clear (the
column is sealed; the digest finds it in the quarantine).
"""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape

from sqlalchemy.orm import Session

from kiosk.core.badges.qr import qr_image
from kiosk.core.config.clock import site_time
from kiosk.core.config.errors import ValidationError
from kiosk.core.config.i18n import LANGUAGES, LOCALE_DIR, translate

from .mail_directions import directions_url
from .mail_models import InvitationMessage, MailQuarantine
from .models import Host, Invitation, Site
from .site_address import address_in

#: pixels of the QR image in the mail (sharp on a phone held to a scanner)
QR_PIXELS = 330


def address_digest(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


def check_address(address: str) -> str:
    """``address`` trimmed, or ``ValidationError`` when it cannot be an e-mail address."""
    text = address.strip()
    local, at, domain = text.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(text) > 200
        or any(c.isspace() or c in "<>,;\"'()[]\\" for c in text)
    ):
        raise ValidationError(f"{text[:60]!r} is not an e-mail address", field="email")
    return text


def queue_invitation_mail(
    session: Session,
    inv: Invitation,
    *,
    address: str,
    language: str,
    now: datetime,
    channel: str = "email",
) -> InvitationMessage:
    """The delivery record of ``inv``'s mail to ``address`` (or, ``channel`` "sms", its text
    message to the mobile number ``address``), due now; a quarantined address gets a record in
    state ``quarantined`` (shown on the page, never sent)."""
    address = check_address(address) if channel == "email" else address
    digest = address_digest(address)
    barred = session.get(MailQuarantine, digest)
    message = InvitationMessage(
        id=secrets.token_hex(16),
        invitation_id=inv.id,
        site_id=inv.site_id,
        channel=channel,
        address=address,
        address_digest=digest,
        language=language if language in LANGUAGES else "zh_CN",
        state="quarantined" if barred else "queued",
        attempts=0,
        next_attempt_at=now,
        last_error=barred.reason if barred else "",
        created_at=now,
        sent_at=None,
    )
    session.add(message)
    return message


def compose_sms(session: Session, record: InvitationMessage, *, template: str = "") -> str:
    """The guest's text message: ``template`` (the gateway's approved one) or the catalogue's,
    with ``{code}``, ``{site}`` and ``{day}`` filled in."""
    inv = session.get(Invitation, record.invitation_id)
    site = session.get(Site, record.site_id)
    if inv is None or site is None:
        raise LookupError(f"invitation {record.invitation_id} is gone")
    lang = record.language
    site_name = (site.name_zh if lang == "zh_CN" else site.name_en) or site.name_zh or site.id
    if inv.valid_from is not None:
        day = site_time(inv.valid_from, site.timezone).strftime("%Y-%m-%d")
    else:
        day = translate("invite_mail.sms_any_day", lang, LOCALE_DIR)
    params = {"code": inv.code, "site": site_name, "day": day}
    if template:
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template
    return translate("invite_mail.sms", lang, LOCALE_DIR, **params)


def compose(
    session: Session,
    record: InvitationMessage,
    *,
    sender: str,
    now: datetime | None = None,
    base_url: str | None = None,
) -> EmailMessage:
    """The guest's message for ``record``: text and HTML in their language, the QR inline, the
    site's address and, when there is one, the directions link (``mail_directions.py``; ``now``
    and ``base_url`` as it takes them)."""
    inv = session.get(Invitation, record.invitation_id)
    site = session.get(Site, record.site_id)
    if inv is None or site is None:
        raise LookupError(f"invitation {record.invitation_id} is gone")
    lang = record.language
    site_name = (site.name_zh if lang == "zh_CN" else site.name_en) or site.name_zh or site.id
    host = session.get(Host, inv.host_id) if inv.host_id else None

    def t(key: str, **params: object) -> str:
        return translate(f"invite_mail.{key}", lang, LOCALE_DIR, **params)

    lines = [t("greeting", name=inv.visitor_name), "", t("invited", site=site_name), ""]
    if inv.valid_from is not None:
        day = site_time(inv.valid_from, site.timezone).strftime("%Y-%m-%d")
        lines.append(t("day", day=day))
    else:
        lines.append(t("any_day"))
    if host is not None:
        name = (host.name_zh if lang == "zh_CN" else host.name_en) or host.name_zh
        lines.append(t("host", host=name))
    address = address_in(site, lang)
    if address:
        lines.append(t("address", address=address))
    lines.append(t("code", code=inv.code))
    url = directions_url(session, inv, lang=lang, now=now or datetime.now(UTC), base_url=base_url)
    way = [t("directions", url=url)] if url else []
    after = ["", t("how"), *way, "", t("footer")]  # the HTML shows the QR between the two

    msg = EmailMessage()
    msg["Subject"] = t("subject", site=site_name)
    msg["From"] = sender
    msg["To"] = record.address
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content("\n".join(lines + after))
    cid = make_msgid(domain="invitation.local")
    before = "".join(f"<p>{escape(line)}</p>" for line in lines if line)
    qr = f'<p><img src="cid:{cid[1:-1]}" alt="{escape(t("qr_alt"))}" width="{QR_PIXELS}"></p>'
    link = (  # the HTML shows the link as a link, the text its address
        f'<p><a id="directions" href="{escape(url)}">{escape(t("directions_link"))}</a></p>'
        if url
        else ""
    )
    rest = f"<p>{escape(t('how'))}</p>{link}<p>{escape(t('footer'))}</p>"
    html_lang = "zh-CN" if lang == "zh_CN" else "en"
    msg.add_alternative(
        f'<html lang="{html_lang}"><body>{before}{qr}{rest}</body></html>', subtype="html"
    )
    png = io.BytesIO()
    qr_image(inv.code, QR_PIXELS).save(png, format="PNG")
    html_part = msg.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(
        png.getvalue(), "image", "png", cid=cid, filename=f"invitation-{inv.code}.png"
    )
    return msg

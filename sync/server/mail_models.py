"""Head office's own outgoing mail: one delivery record per invitation message, and the
addresses a mail server refused for good (quarantined: never tried again).

Migration 0017 builds them. The address is personal data, sealed at rest like the invitation's
name; the quarantine finds an address by a SHA-256 digest of its lower-cased form, never by the
address in clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base
from .sealing import SealedText

#: the states of a delivery record
STATES = ("queued", "sent", "failed", "quarantined")


class InvitationMessage(Base):
    """One message to one guest about one invitation (``invitation_mail.py`` sends it)."""

    __tablename__ = "invitation_messages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id"), index=True)
    site_id: Mapped[str] = mapped_column(String(64))
    #: "email" (the only channel so far)
    channel: Mapped[str] = mapped_column(String(16), default="email")
    address: Mapped[str] = mapped_column(SealedText("invitation_messages", "address"))
    address_digest: Mapped[str] = mapped_column(String(64))
    #: the guest's language: the message is written in it ("zh_CN" or "en")
    language: Mapped[str] = mapped_column(String(16), default="zh_CN")
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: when the sender may next take it (also the lease of a send under way)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    __table_args__ = (Index("invitation_messages_due", "state", "next_attempt_at"),)


class MailQuarantine(Base):
    """An address a mail server refused permanently (5xx on the recipient)."""

    __tablename__ = "mail_quarantine"
    address_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    quarantined_at: Mapped[datetime]

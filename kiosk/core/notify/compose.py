"""Building one step's message: the visit as the host should read it, with signed reply links.

The visit comes from its typed ``visit.checked_in`` event (``kiosk.core.events``), parsed
through the registry, never from a stored payload dict; when that event is gone, from the
records. Reply links point at head office's public URL, signed with the site's reply-link
key; a stand-alone kiosk's messages carry none.

Must never: write to the store or send anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.core.config.clock import Clock
from kiosk.core.config.settings import Settings
from kiosk.core.events import VisitCheckedIn
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.keys.site_keys import SiteKeys
from kiosk.core.models import Host
from kiosk.core.notify.channels import Message
from kiosk.core.notify.messages import HostMessageContext, render_host_message
from kiosk.core.notify.plan import Step
from kiosk.core.notify.reply_links import ReplyToken, reply_url, sign
from kiosk.core.store.records import Records


@dataclass(frozen=True, slots=True)
class Arrival:
    """What a message says about the visit."""

    visit_id: str
    site_id: str
    department_id: str | None
    visitor_name: str
    company: str
    purpose: str
    kiosk_id: str
    arrived_at: datetime | None

    @classmethod
    def of(cls, event: VisitCheckedIn) -> Arrival:
        visit = event.visit
        return cls(
            visit_id=visit.id,
            site_id=visit.site_id,
            department_id=visit.department_id,
            visitor_name=event.visitor.name,
            company=event.visitor.company,
            purpose=visit.purpose,
            kiosk_id=visit.kiosk_id,
            arrived_at=visit.checked_in_at or visit.created_at,
        )

    @classmethod
    def from_records(cls, records: Records, visit_id: str, site_id: str) -> Arrival:
        """For a visit whose check-in event is no longer in the outbox."""
        visit = records.visit(visit_id)
        visitor = records.visitor(visit.visitor_id) if visit else None
        return cls(
            visit_id=visit_id,
            site_id=visit.site_id if visit else site_id,
            department_id=visit.department_id if visit else None,
            visitor_name=visitor.name if visitor else "",
            company=visitor.company if visitor else "",
            purpose=visit.purpose if visit else "",
            kiosk_id=visit.kiosk_id if visit else "",
            arrived_at=(visit.checked_in_at or visit.created_at) if visit else None,
        )


class Composer:
    def __init__(
        self,
        *,
        records: Records,
        settings: Settings,
        clock: Clock,
        site_keys: SiteKeys,
        head_office_url: str,
    ) -> None:
        self.records = records
        self.settings = settings
        self.clock = clock
        self.site_keys = site_keys
        self.head_office_url = head_office_url

    def message(
        self, step: Step, arrival: Arrival, reply_id: str, *, reason: str, host: Host | None
    ) -> Message:
        lang = step.lang
        notify = self.settings.notify
        site = self.records.site(arrival.site_id or self.settings.site.id)
        site_name = (
            site.name(lang)
            if site
            else (self.settings.site.name_zh if lang == "zh_CN" else self.settings.site.name_en)
        )
        department = self.records.department(arrival.department_id or "")
        coming, wait = self._links(step, arrival, reply_id)
        return render_host_message(
            HostMessageContext(
                stage=step.stage,
                reason=reason,
                lang=lang,
                host_name=host.name(lang) if host else "",
                visitor_name=arrival.visitor_name,
                company=arrival.company,
                purpose=arrival.purpose,
                site_name=site_name,
                kiosk_name=self.kiosk_name(arrival.kiosk_id),
                arrived_at=arrival.arrived_at or self.clock.now(),
                timezone=site.timezone if site else self.settings.site.timezone,
                department_name=department.name(lang) if department else "",
                coming_url=coming,
                wait_url=wait,
                wait_minutes=notify.wait_minutes,
                waited_minutes=round(notify.escalate_after / 60),
                links_valid_minutes=round(notify.reply_ttl / 60),
            )
        )

    def kiosk_name(self, kiosk_id: str) -> str:
        """What a host message calls the kiosk: this kiosk's name from head office (or the
        settings), else the id the visit carries."""
        kiosk = self.settings.kiosk
        if kiosk_id in ("", kiosk.id) and kiosk.name:
            return kiosk.name
        return kiosk_id or kiosk.id

    def _links(self, step: Step, arrival: Arrival, reply_id: str) -> tuple[str | None, str | None]:
        key = self.site_keys.current(KeyPurpose.REPLY_LINK) if self.head_office_url else None
        if key is None or step.stage == "front_desk":
            return None, None
        expires = int(self.clock.now().timestamp() + self.settings.notify.reply_ttl)
        base = self.site_keys.link_base()
        urls = {
            reply: reply_url(
                base,
                sign(
                    key.key,
                    ReplyToken(
                        site_id=arrival.site_id or self.settings.site.id,
                        visit_id=arrival.visit_id,
                        reply=reply,
                        minutes=self.settings.notify.wait_minutes if reply == "wait" else 0,
                        recipient=step.recipient,
                        reply_id=reply_id,
                        expires=expires,
                        key_version=key.version,
                    ),
                ),
            )
            for reply in ("coming", "wait")
        }
        return urls["coming"], urls["wait"]

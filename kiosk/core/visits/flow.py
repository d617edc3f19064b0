"""The check-in conversation as a small state machine, free of Kivy.

Screens show the current step and call ``next``/``back``; the flow keeps every value typed
so far, so Back never loses anything, and ``reset`` forgets everything for the next visitor.

Order: phone → (a returning visitor confirms and skips to confirm) → name → company →
purpose → host → consent → confirm. The phone number comes first because it is what finds a
returning visitor or a planned guest; a new visitor answers the rest. Where a site collects ID
numbers (``[checkin] id_numbers``), an optional ``id_number`` step with its own consent line
follows the name (``ID_STEPS``); otherwise the steps are exactly ``STEPS``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kiosk.core.models import Visit
from kiosk.core.privacy.retention import retention_days
from kiosk.core.visits.checkin import CheckinForm, CheckinService, ReturningVisitor

STEPS = ("phone", "name", "company", "purpose", "host", "consent", "confirm")
#: the steps where the site collects ID numbers: their own step after the name
ID_STEPS = ("phone", "name", "id_number", "company", "purpose", "host", "consent", "confirm")


@dataclass(frozen=True)
class HostChoice:
    """What the visitor picked on the host step, as shown back to them."""

    host_id: str | None
    department_id: str | None
    label_zh: str
    label_en: str
    floor: str = ""
    room: str = ""


@dataclass(frozen=True)
class ReturningLookup:
    """What ``find_returning`` found for a mobile number: the earlier visitor (or None), the
    host and purpose of their last visit, and whether their consent is still the current one."""

    phone: str
    returning: ReturningVisitor | None
    host: HostChoice | None = None
    purpose: str = ""
    consent_current: bool = False
    #: visits of this number still open on this site (checked in, never checked out)
    still_in: int = 0


class CheckinFlow:
    def __init__(self, service: CheckinService) -> None:
        self.service = service
        #: this site's steps (``ID_STEPS`` where ID numbers are collected, else ``STEPS``)
        self.steps = ID_STEPS if service.settings.checkin.id_numbers else STEPS
        self.reset()

    def reset(self) -> None:
        self.form = CheckinForm()
        self.step = STEPS[0]
        #: the site's retention period the privacy notice states (``privacy/retention.py``)
        self.retention_days = retention_days(
            self.service.store, self.service.settings.checkin.retention_days
        )[0]
        self.returning: ReturningVisitor | None = None
        self.host: HostChoice | None = None
        self.history: list[str] = []
        #: open visits of the number typed (a returning visitor who never checked out)
        self.still_in = 0

    # -- values ------------------------------------------------------------------------------
    def set(self, **changes: object) -> None:
        self.form = replace(self.form, **changes)  # type: ignore[arg-type]

    def choose_host(self, choice: HostChoice) -> None:
        self.host = choice
        self.set(host_id=choice.host_id, department_id=choice.department_id)

    def without_phone(self) -> None:
        """The visitor has no mobile number: none is kept, no earlier record is matched."""
        self.set(phone="", no_phone=True, visitor_id=None)
        self.returning = None
        self.still_in = 0

    def skip_id_number(self) -> None:
        """The visitor gives no ID number: none is kept (the check-in goes on without)."""
        self.set(id_number="", id_consent=False)

    def lookup_returning(self) -> ReturningVisitor | None:
        """After the phone step: pre-fill from the earlier record, if there is one."""
        return self.use_returning(self.find_returning(self.form.phone))

    def find_returning(self, phone: str) -> ReturningLookup:
        """The earlier record for ``phone`` and the visitor's last choices. Only reads, so it
        runs on the command runner while the flow itself stays on the UI thread."""
        returning = self.service.find_returning(phone)
        if returning is None:
            return ReturningLookup(phone, None)
        still_in = len(self.service.open_visits_for_phone(phone))
        last = self.service.records.last_visit_of(returning.visitor_id)
        if last is None:
            return ReturningLookup(phone, returning, still_in=still_in)
        consent = last.consent_version == self.service.settings.checkin.consent_version
        return ReturningLookup(
            phone,
            returning,
            self._choice(last),
            last.purpose or "",
            consent_current=consent,
            still_in=still_in,
        )

    def _choice(self, last: Visit) -> HostChoice | None:
        records = self.service.records
        if last.host_id and (host := records.host(last.host_id)):
            dept = records.department(host.department_id)
            return HostChoice(
                host.id,
                host.department_id,
                host.name_zh,
                host.name_en,
                host.floor or (dept.floor if dept else ""),
                host.room,
            )
        if last.department_id and (dept := records.department(last.department_id)):
            return HostChoice(None, dept.id, dept.name_zh, dept.name_en, dept.floor, dept.room)
        return None

    def use_returning(self, lookup: ReturningLookup) -> ReturningVisitor | None:
        """Pre-fill the form from ``find_returning``'s answer (on the UI thread)."""
        self.returning = lookup.returning
        self.still_in = lookup.still_in
        if lookup.returning is None:
            self.set(visitor_id=None)
            return None
        self.set(
            name=self.form.name or lookup.returning.name,
            company=self.form.company or lookup.returning.company,
            visitor_id=lookup.returning.visitor_id,
        )
        if lookup.consent_current:
            self.set(consent=True)
        if lookup.host is not None and self.host is None:
            self.choose_host(lookup.host)
            self.set(purpose=self.form.purpose or lookup.purpose)
        return self.returning

    # -- navigation --------------------------------------------------------------------------
    def go(self, step: str) -> str:
        if step not in self.steps:
            raise ValueError(step)
        self.history.append(self.step)
        self.step = step
        return step

    def next(self) -> str:
        """The step after the current one (a returning visitor with everything known skips)."""
        if self.step == "phone" and self.returning is not None and self.ready_to_confirm():
            return self.go("confirm")
        index = self.steps.index(self.step)
        return self.go(self.steps[min(index + 1, len(self.steps) - 1)])

    def back(self) -> str | None:
        """The previous step, or None when Back should leave the flow (to home)."""
        if not self.history:
            return None
        self.step = self.history.pop()
        return self.step

    def ready_to_confirm(self) -> bool:
        from kiosk.core.visits.checkin import validate_form

        return not validate_form(self.form, self.service.settings)

    def problems(self) -> dict[str, str]:
        from kiosk.core.visits.checkin import validate_form

        return validate_form(self.form, self.service.settings)


def find_hosts(
    text: str, *, search: Any, records: Any, site_id: str, limit: int = 6
) -> list[HostChoice]:
    """The hosts and departments ``text`` finds: the visitor's host step and the desk's
    check-in form use this one search. ``search`` is the directory index (``LiveSearch``:
    pinyin, initials); None falls back to a plain substring match of the records."""
    text = text.strip()
    if not text:
        return []
    if search is not None:
        out = []
        for r in search.search(text, limit=limit):
            if r.kind == "host":
                host = records.host(r.id)
                dept_id = host.department_id if host else None
                out.append(HostChoice(r.id, dept_id, r.name_zh, r.name_en, r.floor, r.room))
            else:
                out.append(HostChoice(None, r.id, r.name_zh, r.name_en, r.floor, r.room))
        return out
    needle = text.casefold()
    out = [
        HostChoice(h.id, h.department_id, h.name_zh, h.name_en, h.floor, h.room)
        for h in records.hosts(site_id)
        if needle in h.name_zh.casefold() or needle in h.name_en.casefold()
    ]
    out += [
        HostChoice(None, d.id, d.name_zh, d.name_en, d.floor, d.room)
        for d in records.departments(site_id)
        if needle in d.name_zh.casefold() or needle in d.name_en.casefold()
    ]
    return out[:limit]

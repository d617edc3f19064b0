"""The check-in conversation as a small state machine, free of Kivy.

Screens show the current step and call ``next``/``back``; the flow keeps every value typed
so far, so Back never loses anything, and ``reset`` forgets everything for the next visitor.

Order: phone → (a returning visitor confirms and skips to confirm) → name → company →
purpose → host → consent → confirm. The phone number comes first because it is what finds a
returning visitor or a planned guest; a new visitor answers the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiosk.core.visits.checkin import CheckinForm, CheckinService, ReturningVisitor

STEPS = ("phone", "name", "company", "purpose", "host", "consent", "confirm")


@dataclass(frozen=True)
class HostChoice:
    """What the visitor picked on the host step, as shown back to them."""

    host_id: str | None
    department_id: str | None
    label_zh: str
    label_en: str
    floor: str = ""
    room: str = ""


class CheckinFlow:
    def __init__(self, service: CheckinService) -> None:
        self.service = service
        self.reset()

    def reset(self) -> None:
        self.form = CheckinForm()
        self.step = STEPS[0]
        self.returning: ReturningVisitor | None = None
        self.host: HostChoice | None = None
        self.history: list[str] = []

    # -- values ------------------------------------------------------------------------------
    def set(self, **changes: object) -> None:
        self.form = replace(self.form, **changes)  # type: ignore[arg-type]

    def choose_host(self, choice: HostChoice) -> None:
        self.host = choice
        self.set(host_id=choice.host_id, department_id=choice.department_id)

    def lookup_returning(self) -> ReturningVisitor | None:
        """After the phone step: pre-fill from the earlier record, if there is one."""
        self.returning = self.service.find_returning(self.form.phone)
        if self.returning is not None:
            self.set(
                name=self.form.name or self.returning.name,
                company=self.form.company or self.returning.company,
                visitor_id=self.returning.visitor_id,
            )
            last = self._last_visit_choice(self.returning.visitor_id)
            if last is not None and self.host is None:
                self.choose_host(last[0])
                self.set(purpose=self.form.purpose or last[1])
        else:
            self.set(visitor_id=None)
        return self.returning

    def _last_visit_choice(self, visitor_id: str) -> tuple[HostChoice, str] | None:
        last = self.service.records.last_visit_of(visitor_id)
        if last is None:
            return None
        records = self.service.records
        if last.consent_version == self.service.settings.checkin.consent_version:
            self.set(consent=True)
        if last.host_id and (host := records.host(last.host_id)):
            dept = records.department(host.department_id)
            choice = HostChoice(
                host.id,
                host.department_id,
                host.name_zh,
                host.name_en,
                host.floor or (dept.floor if dept else ""),
                host.room,
            )
            return choice, last.purpose
        if last.department_id and (dept := records.department(last.department_id)):
            choice = HostChoice(None, dept.id, dept.name_zh, dept.name_en, dept.floor, dept.room)
            return choice, last.purpose
        return None

    # -- navigation --------------------------------------------------------------------------
    def go(self, step: str) -> str:
        if step not in STEPS:
            raise ValueError(step)
        self.history.append(self.step)
        self.step = step
        return step

    def next(self) -> str:
        """The step after the current one (a returning visitor with everything known skips)."""
        if self.step == "phone" and self.returning is not None and self.ready_to_confirm():
            return self.go("confirm")
        index = STEPS.index(self.step)
        return self.go(STEPS[min(index + 1, len(STEPS) - 1)])

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

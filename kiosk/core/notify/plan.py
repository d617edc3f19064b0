"""The escalation plan: who is told about a visitor, in order, and through which channels.

host → the host's delegate (or else the department) → the front desk, one step every
``notify.escalate_after`` seconds until somebody replies. A host with no channel of their
own is left out (the next step stands in); an away delegate is passed over.

Must never: send, write or read the store beyond the directory (``Records``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.core.config.i18n import translate
from kiosk.core.config.settings import Settings
from kiosk.core.models import Host
from kiosk.core.notify.channels import host_channels
from kiosk.core.notify.messages import language
from kiosk.core.store.records import Records

#: the visit's state once a step's message is out ("pending": keep the state it has)
STATE_AFTER = {"host": "pending", "front_desk": "front_desk"}


@dataclass(frozen=True, slots=True)
class Step:
    stage: str
    recipient: str
    urls: tuple[str, ...]
    lang: str
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en

    @property
    def state_after(self) -> str:
        return STATE_AFTER.get(self.stage, "escalated")


class EscalationPlan:
    def __init__(
        self,
        *,
        records: Records,
        settings: Settings,
        department_urls: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.records = records
        self.settings = settings
        self.department_urls = department_urls

    def channels_of(self, host: Host) -> tuple[str, ...]:
        return host_channels(host.notify_urls, host.email, self.settings.notify.mail_server)

    def steps(self, host: Host | None, department_id: str | None) -> list[Step]:
        """Who is told, in order: host, then delegate or department, then the front desk."""
        default = self.settings.kiosk.default_language
        steps: list[Step] = []
        if host is not None and (host_urls := self.channels_of(host)):
            steps.append(
                Step(
                    "host",
                    f"host:{host.id}",
                    host_urls,
                    language(host.language),
                    host.name("zh_CN"),
                    host.name("en"),
                )
            )
        delegate = self.records.host(host.delegate_id) if host and host.delegate_id else None
        dept_urls = self.department_urls.get(department_id or "", ())
        if (
            delegate is not None
            and not delegate.away
            and (delegate_urls := self.channels_of(delegate))
        ):
            steps.append(
                Step(
                    "delegate",
                    f"host:{delegate.id}",
                    delegate_urls,
                    language(delegate.language),
                    delegate.name("zh_CN"),
                    delegate.name("en"),
                )
            )
        elif dept_urls:
            dept = self.records.department(department_id or "")
            steps.append(
                Step(
                    "department",
                    f"department:{department_id}",
                    dept_urls,
                    language(default),
                    dept.name_zh if dept else str(department_id),
                    dept.name_en if dept else str(department_id),
                )
            )
        if self.settings.notify.front_desk_urls:
            steps.append(
                Step(
                    "front_desk",
                    "front_desk",
                    self.settings.notify.front_desk_urls,
                    language(default),
                    translate("notify.front_desk", "zh_CN"),
                    translate("notify.front_desk", "en"),
                )
            )
        return steps

    def after(self, host: Host | None, department_id: str | None, stage: str) -> Step | None:
        """The step after ``stage`` (the first one for an unknown stage), None at the end."""
        steps = self.steps(host, department_id)
        stages = [s.stage for s in steps]
        position = stages.index(stage) if stage in stages else -1
        return steps[position + 1] if position + 1 < len(steps) else None

    def has_next(self, host: Host | None, department_id: str | None, stage: str) -> bool:
        stages = [s.stage for s in self.steps(host, department_id)]
        return stage in stages and stages.index(stage) < len(stages) - 1

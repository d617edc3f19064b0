"""What the visitor's done screen says about their host: one ``NotifyStatus`` per visit.

Must never: write, or show a name in another language than asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from kiosk.core.config.i18n import LOCALE_DIR, translate
from kiosk.core.notify.messages import language
from kiosk.core.store import notify_deliveries as db
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records

if TYPE_CHECKING:
    from kiosk.core.notify.plan import EscalationPlan


@dataclass(frozen=True, slots=True)
class NotifyStatus:
    """What the visitor's done screen shows about their host.

    ``state``: pending (not sent yet), notified, coming, wait, escalated (delegate or department
    told; ``key`` says whether because the host is away), front_desk, failed.
    Names are in ``lang`` (ask again after a language switch); ``text()`` is the line to show,
    the same as ``translate(status.key, status.lang, **status.params)``.
    """

    visit_id: str
    state: str
    host_name: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    minutes: int | None = None
    delegate_name: str = ""
    lang: str = "zh_CN"

    def text(self) -> str:
        return translate(self.key, self.lang, LOCALE_DIR, **self.params)


def status_for(
    store: Store,
    records: Records,
    visit_id: str,
    lang: str | None,
    plan: EscalationPlan | None = None,
) -> NotifyStatus:
    """The live line for the done screen, in ``lang`` (default: the visitor's language).

    ``plan``: the notifier's escalation plan. A visit the notifier has not taken in yet is
    "pending", unless the plan has nobody with a channel to tell: then it is "failed" already
    (the notifier will record just that), so the done screen sends the visitor to the desk
    from its first frame instead of changing its mind a moment later.
    """
    row = db.visit_row(store, visit_id)
    lang_ = language(lang if row is None else (lang or row["language"]))

    def status(state: str, name: str, key: str, **params: Any) -> NotifyStatus:
        return NotifyStatus(
            visit_id=visit_id,
            state=state,
            host_name=name,
            key=key,
            params=MappingProxyType({"host": name, **params}),
            minutes=params.get("minutes"),
            delegate_name=params.get("delegate", ""),
            lang=lang_,
        )

    if row is None:
        visit = records.visit(visit_id)
        host = records.host(visit.host_id) if visit and visit.host_id else None
        if plan is not None and visit is not None:
            department_id = visit.department_id or (host.department_id if host else None)
            if not plan.steps(host, department_id):
                dept = records.department(department_id or "")
                name = host.name(lang_) if host else (dept.name(lang_) if dept else "")
                return status("failed", name, "notify.status.failed")
        return status("pending", host.name(lang_) if host else "", "notify.status.pending")
    host = records.host(row["host_id"]) if row["host_id"] else None
    dept = records.department(row["department_id"] or "")
    host_name = host.name(lang_) if host else (dept.name(lang_) if dept else "")
    if row["reply"] is not None:
        by = recipient_name(records, row["replied_by"] or "", lang_) or host_name
        minutes = int(row["minutes"] or 0)
        if row["reply"] == "coming":
            # "I'm coming" carries no time; two minutes is what a lobby walk takes
            return status("coming", by, "notify.status.coming", minutes=max(1, minutes or 2))
        return status("wait", by, "notify.status.wait", minutes=minutes)
    reason, _, recipient = (row["told"] or "").partition("|")
    state = row["state"]
    if state == "escalated":
        told = recipient_name(records, recipient, lang_)
        key = {"away": "notify.status.away", "no_reply": "notify.status.escalated"}.get(
            reason, "notify.status.redirected"
        )
        return status("escalated", host_name, key, delegate=told)
    if state in ("front_desk", "notified", "failed"):
        return status(state, host_name, f"notify.status.{state}")
    return status("pending", host_name, "notify.status.pending")


def recipient_name(records: Records, recipient: str, lang: str) -> str:
    kind, _, ident = recipient.partition(":")
    if kind == "host":
        h = records.host(ident)
        return h.name(lang) if h else ""
    if kind == "department":
        d = records.department(ident)
        return d.name(lang) if d else ident
    if kind == "front_desk":
        return translate("notify.front_desk", lang)
    return ""

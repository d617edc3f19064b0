"""The tickets' sections of a report (seed §5 and §6): calls, enquiries, complaints and
requests raised in the period, by kind and by department, how fast the desk and the
departments answered, and what became of complaints.

The figures are ``kiosk.core.tickets.figures.ticket_figures``; this module only lays them out
as translated sections, a department by its name in both languages (the desk's own tickets
under "the front desk").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.core.reports.figures import Figure, Section
from kiosk.core.store.database import Store
from kiosk.core.tickets.figures import ticket_figures


class TicketSections:
    """A report section provider: ``(store, start, end) -> [Section, ...]``."""

    def __init__(self, records: Any) -> None:
        self.records = records

    def __call__(self, store: Store, start: datetime, end: datetime) -> list[Section]:
        f = ticket_figures(store, start, end)
        return [
            Section(
                "report.tickets",
                (
                    Figure("report.tickets_total", f["tickets"]),
                    *(Figure(f"ticket.kind.{kind}", n) for kind, n in f["by_kind"].items()),
                    Figure("report.overdue_total", f["overdue"]["total"]),
                    Figure("report.overdue_open", f["overdue"]["open_at_end"]),
                ),
            ),
            Section(
                "report.tickets_by_department",
                tuple(
                    Figure("report.department", n, self._department(department_id))
                    for department_id, n in f["by_department"].items()
                ),
            ),
            Section(
                "report.ticket_times",
                (
                    *_spread("report.first_response", f["first_response_minutes"]),
                    *_spread("report.resolution", f["resolution_minutes"]),
                ),
            ),
            Section(
                "report.complaints",
                (
                    Figure("report.complaints_received", f["complaints"]["received"]),
                    Figure("report.complaints_resolved", f["complaints"]["resolved"]),
                    Figure("report.complaints_confirmed", f["complaints"]["confirmed"]),
                ),
            ),
        ]

    def _department(self, department_id: str) -> dict[str, str]:
        if not department_id:
            return {"name_zh": "前台", "name_en": "Front desk"}
        department = self.records.department(department_id)
        if department is None:  # removed from the directory since: its id is all there is
            return {"name_zh": department_id, "name_en": department_id}
        return {"name_zh": department.name_zh, "name_en": department.name_en}


def _spread(prefix: str, spread: dict[str, Any]) -> tuple[Figure, ...]:
    return (
        Figure(f"{prefix}_count", spread["count"]),
        Figure(f"{prefix}_median", spread["median"]),
        Figure(f"{prefix}_p90", spread["p90"]),
    )

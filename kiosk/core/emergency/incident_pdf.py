"""The incident record as a PDF (A4, both languages): what happened, who stayed unaccounted
for and for how long, the timeline and the supervisors' notes.

Made from a ``review.Review`` on the kiosk and at head office alike. Every name and duration
is text in the CJK font of the roll call (``pdf_font``), so ``pdftotext`` reads them back;
names are made smaller to fit their column, never cut; notes and reasons wrap. A pure function
of the review; fpdf2 makes the PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from kiosk.core.config.clock import site_time
from kiosk.core.emergency.pdf_font import FAMILY, add_font, both, finish, fit, shrink
from kiosk.core.emergency.review import Review, duration_text
from kiosk.core.emergency.timeline import Entry
from kiosk.core.events import (
    EmergencyEnded,
    EmergencyMarked,
    EmergencyStarted,
    EmergencySwitched,
    RollCallPrinted,
)

#: the people table's columns (share of the width) and their headings' message keys
COLUMNS = (
    (0.29, "incident.col.name"),
    (0.21, "incident.col.status"),
    (0.17, "incident.col.unaccounted"),
    (0.14, "incident.col.by"),
    (0.19, "incident.col.at"),
)
ROW = 6.0


def render_incident(review: Review, *, site_name: str, zone: str, printed_at: datetime) -> bytes:
    """The record's PDF (A4 pages, headed again when the people table runs over)."""
    from fpdf import FPDF

    incident = review.incident

    def when(at: datetime | None) -> str:
        return site_time(at, zone).strftime("%Y-%m-%d %H:%M:%S") if at else ""

    kind = both(f"emergency.kind.{incident.emergency}")
    if incident.drill:
        kind = f"{both('emergency.drill')} · {kind}"
    head = [
        f"{both('incident.title')}: {kind}",
        site_name,
        both(
            "incident.started",
            time=when(incident.started_at),
            by=incident.started_by,
            kiosk=incident.started_on,
        ),
        both("incident.ended", time=when(incident.ended_at), by=incident.ended_by)
        if incident.ended_at
        else both("incident.under_way"),
        both("incident.duration", duration=duration_text(review.duration)),
    ]
    if incident.reason:
        head.append(f"{both('incident.reason')}: {incident.reason}")
    after = review.all_accounted_after
    if after is not None:
        head.append(both("incident.all_accounted", duration=duration_text(after)))
    else:
        head.append(both("incident.unaccounted_at_end", count=len(review.unaccounted())))
    head.append(both("incident.printed_at", time=when(printed_at)))
    rows = [_row(r, when) for r in review.people]
    names = {r.person.person_id: r.person.name for r in review.people}
    events = [
        (when(getattr(e.event, "at", None)), describe(e, names, both)) for e in incident.entries
    ]
    notes = [(f"{when(n.at)}  {n.by} ({n.kiosk_id})", n.text) for n in review.notes]
    headings = [both(key) for _, key in COLUMNS]
    texts = [*head, *headings, *(c for r in rows for c in r), *(t for ev in events for t in ev)]
    texts += [t for n in notes for t in n]
    texts += [both(k) for k in ("incident.people", "incident.timeline", "incident.notes")]
    texts += [both("incident.no_notes"), "…·:/()"]

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=12)
    add_font(pdf, texts)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font(FAMILY, size=14)
    _lines(pdf, 7, head[0])
    pdf.set_font(FAMILY, size=9)
    for text in head[1:]:
        _lines(pdf, 5, text)
    _section(pdf, both("incident.people"))
    _table(pdf, headings, rows, width)
    _section(pdf, both("incident.timeline"))
    pdf.set_font(FAMILY, size=8)
    for at, what in events:
        _lines(pdf, 4.5, f"{at}  {what}")
    _section(pdf, both("incident.notes"))
    pdf.set_font(FAMILY, size=9)
    if not notes:
        _lines(pdf, 5, both("incident.no_notes"))
    for who, text in notes:
        pdf.set_font(FAMILY, size=8)
        _lines(pdf, 4.5, who)
        pdf.set_font(FAMILY, size=9)
        _lines(pdf, 5, text)
        pdf.ln(1.5)
    return finish(pdf)


def _row(r: Any, when: Callable[[datetime | None], str]) -> tuple[str, ...]:
    name = r.person.name if not r.person.company else f"{r.person.name} ({r.person.company})"
    return (
        name,
        both(f"emergency.status.{r.status}"),
        duration_text(r.unaccounted),
        r.by,
        when(r.at),
    )


def describe(entry: Entry, names: dict[str, str], t: Callable[..., str]) -> str:
    """One timeline entry in words, through ``t`` (``both`` for the PDF, one language on the
    dashboard); ``names``: person id -> name, for marks."""
    e = entry.event
    if isinstance(e, EmergencyStarted):
        return str(t("incident.entry.started", by=e.by, kiosk=e.kiosk_id))
    if isinstance(e, EmergencyEnded):
        return f"{t('incident.entry.ended', by=e.by, kiosk=e.kiosk_id)}: {e.reason}"
    if isinstance(e, EmergencyMarked):
        name = names.get(e.person_id, e.person_id)
        marked = t("incident.entry.marked", by=e.by, kiosk=e.kiosk_id, name=name)
        return f"{marked}: {t(f'emergency.status.{e.status}')}"
    if isinstance(e, EmergencySwitched):
        key = "incident.entry.switched" if e.active else "incident.entry.switched_back"
        return str(t(key, kiosk=e.kiosk_id))
    if isinstance(e, RollCallPrinted):
        key = "incident.entry.printed" if e.ok else "incident.entry.print_failed"
        return str(t(key, printer=e.printer, people=e.people, kiosk=e.kiosk_id))
    return e.kind


def _lines(pdf: Any, height: float, text: str) -> None:
    """``text`` wrapped to the page's width, from the left margin, the next line after it."""
    pdf.multi_cell(pdf.epw, height, text, new_x="LMARGIN", new_y="NEXT")


def _section(pdf: Any, title: str) -> None:
    pdf.ln(3)
    pdf.set_font(FAMILY, size=11)
    _lines(pdf, 6, title)
    pdf.ln(1)


def _table(pdf: Any, headings: list[str], rows: list[tuple[str, ...]], width: float) -> None:
    left = pdf.l_margin
    xs = [left + width * sum(c for c, _ in COLUMNS[:i]) for i in range(len(COLUMNS))]
    shares = [c for c, _ in COLUMNS]
    bottom = pdf.h - pdf.b_margin

    def head() -> float:
        pdf.set_font(FAMILY, size=7)
        y = pdf.get_y() + ROW * 0.75
        for x, share, text in zip(xs, shares, headings, strict=True):
            shrink(pdf, text, width * share - 1, size=7)  # smaller if need be, never cut
            pdf.text(x, y, text)
            pdf.set_font(FAMILY, size=7)
        pdf.line(left, y + 1.2, left + width, y + 1.2)
        return y + ROW

    y = head()
    for row in rows:
        if y > bottom:
            pdf.add_page()
            y = head()
        for i, (x, share, value) in enumerate(zip(xs, shares, row, strict=True)):
            pdf.set_font(FAMILY, size=8)
            if i == 0:  # the name: smaller if need be, never cut
                shrink(pdf, value, width * share - 1, size=8)
                pdf.text(x, y, value)
            elif value:
                pdf.text(x, y, fit(pdf, value, width * share - 1))
        y += ROW
    pdf.set_y(y - ROW + 2)

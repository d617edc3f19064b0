"""Receptionist mode's board: who is on site, expected today, not signed out, held and denied,
with the desk's actions on the visit selected (kiosk.core.reception.board and .actions).

Reads and actions run on the command runner; the search as it is typed runs on the shell's
background runner (kiosk.shell.background: only the newest search's lists come back). The
screen only shows what comes back. A reprint passes the copy number the board showed, so a
second tap prints nothing more. A denial needs a typed reason. "Details" opens the visit's
record (reception_record: correct, cancel, reveal the phone); "New check-in" the desk's
check-in form (reception_checkin). The board reads itself again after every action and every
``REFRESH_SECONDS`` while it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

from kiosk.core.config.clock import site_time
from kiosk.core.reception.board import LISTS, BoardEntry
from kiosk.screens.base import KioskScreen
from kiosk.shell.background import background

REFRESH_SECONDS = 10.0
#: the actions each list offers for its selected line
ACTIONS = {
    "on_site": ("details", "check_out", "reprint"),
    "not_signed_out": ("details", "check_out"),
    "held": ("details", "approve", "deny"),
    "expected": (),
    "denied": ("details",),
}


@dataclass(frozen=True, slots=True)
class BoardView:
    lists: dict[str, tuple[BoardEntry, ...]]
    #: visit id -> the badge copy the board shows (what a reprint passes as ``seen_copy``)
    copies: dict[str, int] = field(default_factory=dict)
    alerts: int = 0
    #: the search these lists answer ("": everything)
    search: str = ""


def board_view(reception: Any, language: str, search: str = "") -> BoardView:
    """The board (filtered by ``search``) and the open alerts' count (off the UI thread)."""
    snap = reception.board.snapshot(language, search=search)
    queue = reception.actions.print_queue
    copies = {e.visit_id: queue.status_for(e.visit_id).copy for e in snap.on_site} if queue else {}
    lists = {name: getattr(snap, name) for name in LISTS}
    return BoardView(lists, copies, len(reception.actions.alerts()), search.strip())


def entry_text(entry: BoardEntry, t: Any, zone: str = "") -> str:
    parts = [entry.name or "—"]
    if entry.company:
        parts.append(entry.company)
    if entry.host_name:
        parts.append(t("reception.host", host=entry.host_name))
    if entry.since is not None:
        parts.append(site_time(entry.since, zone).strftime("%H:%M"))
    if entry.phone_masked:
        parts.append(entry.phone_masked)
    if entry.badge:
        parts.append(t(f"reception.badge_{entry.badge}"))
    if entry.auto_checked_out:
        parts.append(t("reception.auto_closed"))
    return "   ·   ".join(parts)


class ReceptionBoardScreen(KioskScreen):
    #: the console locks itself (kiosk.shell.reception): no visitor idle prompt over it
    goes_home_itself = True
    #: kiosk.core.reception.console.Reception
    reception = ObjectProperty(None)
    view = ObjectProperty(None, allownone=True)
    #: the list shown (one of kiosk.core.reception.board.LISTS)
    shown = StringProperty("on_site")
    counts = DictProperty({})
    alerts = NumericProperty(0)
    #: kiosk.core.deliveries.desk.ParcelDesk, for the count of parcels waiting at reception
    parcels = ObjectProperty(None, allownone=True)
    parcels_waiting = NumericProperty(0)
    #: the line the staff member tapped, or None
    selected = ObjectProperty(None, allownone=True)
    #: what the last action did (a message key and its parameters), shown until the next
    note_key = StringProperty("")
    note_params = DictProperty({})
    staff_name = StringProperty("")
    #: the signed-in staff member is an admin: the settings button shows
    is_admin = BooleanProperty(False)
    #: the parameters of ``error_key``
    error_params = DictProperty({})

    def __init__(self, **kwargs: Any) -> None:
        self._refresh: Any = None
        super().__init__(**kwargs)

    def on_pre_enter(self, *_: Any) -> None:
        session = self.shell.reception.session
        self.staff_name = session.staff.name if session is not None else ""
        self.is_admin = session is not None and session.staff.role == "admin"
        self.refresh()
        self._refresh = Clock.schedule_interval(self._tick, REFRESH_SECONDS)

    def on_leave(self, *_: Any) -> None:
        if self._refresh is not None:
            self._refresh.cancel()
            self._refresh = None

    def _tick(self, _dt: float) -> None:
        if not self.busy:
            self.refresh()

    def refresh(self) -> None:
        reception, lang, text = self.reception, self.shell.lang, self._search_text()
        self.run(lambda: board_view(reception, lang, text), self._show)
        parcels = self.parcels
        if parcels is not None:
            background().run("reception-board-parcels", parcels.waiting, self._parcels_counted)

    def _parcels_counted(self, waiting: int) -> None:
        self.parcels_waiting = waiting

    def _search_text(self) -> str:
        return self.ids.search.text if "search" in self.ids else ""

    def on_search(self, text: str) -> None:
        """The search field changed: the lists it finds, from the background runner."""
        if self.reception is None or self.shell.reception.session is None:
            return
        reception, lang = self.reception, self.shell.lang
        background().run(
            "reception-board-search",
            lambda: board_view(reception, lang, text),
            self._searched,
        )

    def _searched(self, view: BoardView) -> None:
        if self.shell.reception.session is not None and view.search == self._search_text().strip():
            self._show(view)

    def _show(self, view: BoardView) -> None:
        self.view = view
        self.counts = {name: len(view.lists[name]) for name in LISTS}
        self.alerts = view.alerts
        keep = self.selected
        self.selected = None
        self.show_list(self.shown, keep=keep)

    def show_list(self, name: str, keep: BoardEntry | None = None) -> None:
        self.shown = name
        box = self.ids.rows
        box.clear_widgets()
        if self.view is None:
            return
        for entry in self.view.lists[name]:
            row = Factory.BoardRow(
                text=entry_text(entry, self.t, self.shell.settings.site.timezone)
            )
            row.entry = entry
            if keep is not None and (entry.visit_id, entry.invitation_id) == (
                keep.visit_id,
                keep.invitation_id,
            ):
                row.state = "down"
                self.selected = entry
            row.bind(on_release=self._tapped)
            box.add_widget(row)

    def _tapped(self, row: Any) -> None:
        self.selected = row.entry if row.state == "down" else None

    @staticmethod
    def count_of(counts: dict[str, int], name: str) -> int:
        return int(counts.get(name, 0))

    def offers(self, action: str, selected: Any, shown: str) -> bool:
        return selected is not None and bool(selected.visit_id) and action in ACTIONS[shown]

    # -- actions ------------------------------------------------------------------------------
    def act(self, action: str) -> None:
        entry, session = self.selected, self.shell.reception.session
        if entry is None or session is None or not self.offers(action, entry, self.shown):
            return
        if action == "details":
            self.shell.screen("reception_record").show(entry)
            self.go("reception_record")
            return
        actions, staff, visit_id = self.reception.actions, session.staff, entry.visit_id
        typed = self.ids.reason.text.strip()
        if action == "deny" and not typed:
            self.note_key, self.error_params = "", {}
            self.error_key = "reception.reason_required"
            return
        reason = typed or self.t("reception.reason_default")
        lang = self.shell.lang
        if action == "check_out":
            work: Any = lambda: actions.check_out(staff, visit_id)  # noqa: E731
        elif action == "reprint":
            seen = self.view.copies.get(visit_id, 0)
            work = lambda: actions.reprint(staff, visit_id, seen_copy=seen)  # noqa: E731
        elif action == "approve":
            work = lambda: actions.approve(staff, visit_id, reason, language=lang)  # noqa: E731
        else:
            work = lambda: actions.deny(staff, visit_id, reason)  # noqa: E731

        def done(result: Any) -> None:
            self.error_key = ""
            key = f"reception.done_{action}"
            if action == "reprint" and not result.queued:
                key = "reception.reprint_already"
            self.note(key, name=entry.name)
            self.ids.reason.text = ""
            self.refresh()

        self.error_key = ""
        self.run(work, done)

    def show_error(self, error: Any) -> None:
        self.error_params = dict(error.params)
        self.error_key = error.message_key
        self.note_key = ""
        self.refresh()  # another console may have decided first: show what stands now

    def note(self, key: str, **params: Any) -> None:
        self.note_key, self.note_params = key, params

    def message(self, key: str, params: dict[str, Any], _lang: str) -> str:
        return self.t(key, **params) if key else ""

    def lock(self) -> None:
        self.shell.reception.lock("button")

    def new_checkin(self) -> None:
        self.go("reception_checkin")

    def reset(self) -> None:
        super().reset()
        self.view = self.selected = None
        self.counts, self.alerts, self.shown = {}, 0, "on_site"
        self.note_key, self.note_params = "", {}
        background().cancel("reception-board-search")
        if "rows" in self.ids:
            self.ids.rows.clear_widgets()
            self.ids.reason.text = ""
            self.ids.search.text = ""

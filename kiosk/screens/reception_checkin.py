"""The desk checks a visitor in on their behalf: the visitor's own form, typed by staff.

The form is the visitor's ``CheckinForm``, checked with the same ``validate_form`` before
anything is sent; the use case (``DeskActions.check_in_for`` on the command runner) is the
visitor's own check-in plus an audit entry, so the watchlist screens it, the badge prints
and the host is told exactly as for a self check-in. A watchlist match lands on the board's
held list. The staff member confirms the visitor agreed to the privacy notice.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty

from kiosk.core.visits.checkin import CheckinForm
from kiosk.core.visits.flow import HostChoice
from kiosk.core.visits.forms import CheckinResult, validate_form
from kiosk.screens.base import KioskScreen
from kiosk.screens.desk_pickers import fill_hosts, fill_purposes, search_hosts

#: the order the form's problems are told in (the first one is shown)
FIELDS = ("name", "phone", "company", "purpose", "host", "consent")


class ReceptionCheckinScreen(KioskScreen):
    goes_home_itself = True
    #: kiosk.core.reception.console.Reception
    reception = ObjectProperty(None)
    #: the directory index (LiveSearch) and the records, for the host search
    search = ObjectProperty(None, allownone=True)
    records = ObjectProperty(None)
    purpose = StringProperty("")
    host = ObjectProperty(None, allownone=True)
    consent = BooleanProperty(False)
    error_params = DictProperty({})

    def on_pre_enter(self, *_: Any) -> None:
        self.error_key = ""
        self._purposes()
        self.on_host_text(self.ids.host_search.text)

    def _purposes(self) -> None:
        fill_purposes(
            self.ids.purposes,
            list(self.shell.settings.checkin.purposes),
            chosen=self.purpose,
            t=self.t,
            pick=self.pick_purpose,
        )

    def pick_purpose(self, purpose: str) -> None:
        self.purpose = purpose
        self._purposes()

    def on_host_text(self, text: str) -> None:
        search_hosts("reception-checkin-hosts", self, text, self._hosts)

    def _hosts(self, results: list[HostChoice]) -> None:
        if self.host is not None and self.host not in results:
            results = [self.host, *results]
        fill_hosts(
            self.ids.hosts,
            results,
            chosen=self.host,
            lang=self.shell.lang,
            t=self.t,
            pick=self.pick_host,
        )

    def pick_host(self, choice: HostChoice) -> None:
        self.host = choice
        self.on_host_text(self.ids.host_search.text)

    def form(self) -> CheckinForm:
        ids, host = self.ids, self.host
        return CheckinForm(
            name=ids.name.text.strip(),
            phone=ids.phone.text.strip(),
            company=ids.company.text.strip(),
            purpose=self.purpose,
            host_id=host.host_id if host else None,
            department_id=host.department_id if host else None,
            consent=self.consent,
            language=self.shell.lang,
        )

    def submit(self) -> None:
        session = self.shell.reception.session
        if session is None:
            return
        form = self.form()
        problems = validate_form(form, self.shell.settings)
        if problems:
            self.error_params = {}
            self.error_key = next(problems[f] for f in FIELDS if f in problems)
            return
        actions, staff = self.reception.actions, session.staff
        self.error_key = ""
        self.run(lambda: actions.check_in_for(staff, form), self._done)

    def _done(self, result: CheckinResult) -> None:
        board = self.shell.screen("reception_board")
        name = result.visitor.name
        board.note("desk.checked_in_held" if result.denied else "desk.checked_in", name=name)
        self.clear()
        self.go("reception_board")

    def show_error(self, error: Any) -> None:
        self.error_params = dict(error.params)
        self.error_key = error.message_key

    def message(self, key: str, params: dict[str, Any], _lang: str) -> str:
        return self.t(key, **params) if key else ""

    def back(self) -> None:
        self.go("reception_board")

    def clear(self) -> None:
        self.purpose, self.host, self.consent = "", None, False
        self.error_key, self.error_params = "", {}
        if "name" in self.ids:
            for field in ("name", "phone", "company", "host_search"):
                self.ids[field].text = ""
            self.ids.hosts.clear_widgets()

    def reset(self) -> None:
        super().reset()
        self.clear()

"""The check-in steps before confirm: phone, name, company, purpose, host, consent.

Thin: each binds widgets to the flow (kiosk.core.visits.flow.CheckinFlow). Every value lives in
the flow, not in the widgets, so Back loses nothing and the idle reset clears everything in one
call. The returning-visitor lookup after the phone step runs on the command runner.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import (
    DictProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

import kiosk.widgets.step_progress  # noqa: F401  (registers StepProgress for the .kv)
from kiosk.core.visits.flow import HostChoice, ReturningLookup, find_hosts
from kiosk.screens.base import KioskScreen
from kiosk.widgets.reuse import refill


class StepScreen(KioskScreen):
    """A step of the check-in flow: title, Back, Next, an error line."""

    #: kiosk.core.visits.flow.CheckinFlow, the values typed so far
    flow = ObjectProperty(None)

    def on_pre_enter(self, *_: Any) -> None:
        self.error_key = ""
        self.load()

    def load(self) -> None:
        """Show the flow's values for this step."""

    def save(self) -> None:
        """Write this step's widgets back into the flow."""

    def back(self) -> None:
        self.save()
        previous = self.flow.back()
        self.go(previous or "home")

    def back_to(self, step: str) -> None:
        """The progress bar's tap on a step already done: there, with everything typed kept."""
        steps = self.flow.steps
        if step not in steps or steps.index(step) >= steps.index(self.name):
            return
        self.save()
        self.flow.go(step)
        self.go(step)

    def next(self) -> None:
        self.save()
        key = self.problem()
        if key:
            self.error_key = key
            return
        self.go(self.flow.next())

    def problem(self) -> str:
        """The message key of what stops this step, or ''."""
        return str(self.flow.problems().get(self.name, ""))


class TypingStep(StepScreen):
    """A step with one text field and an on-screen keyboard."""

    field_name = StringProperty("")
    #: kiosk.core.input.pinyin.PinyinEngine for the keyboard's candidates (None: letters only)
    ime = ObjectProperty(None, allownone=True)
    #: the handwriting recogniser (None where Zinnia is not installed)
    handwriting = ObjectProperty(None, allownone=True)

    def on_enter(self, *_: Any) -> None:
        field = self.ids.field
        field.focus = True
        field.cursor = (len(field.text), 0)

    def load(self) -> None:
        self.ids.field.text = getattr(self.flow.form, self.field_name)
        keyboard = self.ids.get("keyboard")
        if keyboard is not None:
            keyboard.clear()
            if hasattr(keyboard, "mode"):
                keyboard.mode = "pinyin" if self.shell.lang == "zh_CN" else "english"

    def next(self) -> None:
        # an open composition is never committed behind the visitor's back: they choose
        keyboard = self.ids.get("keyboard")
        if keyboard is not None and getattr(keyboard, "composing", ""):
            self.error_key = "keyboard.choose_first"
            return
        super().next()

    def save(self) -> None:
        """What the field shows; letters still being composed stay out of the flow."""
        self.flow.set(**{self.field_name: self.ids.field.text.strip()})

    def reset(self) -> None:
        super().reset()
        self.ids.field.text = ""
        keyboard = self.ids.get("keyboard")
        if keyboard is not None:
            keyboard.clear()


class PhoneScreen(TypingStep):
    def on_text(self, text: str) -> None:
        self.error_key = ""
        digits = "".join(ch for ch in text if ch.isdigit())
        # a complete mainland mobile number moves on by itself: one tap fewer
        if not text.startswith("+") and len(digits) == 11 and digits.startswith("1"):
            Clock.schedule_once(lambda _dt: self._auto_next(text), 0.15)

    def _auto_next(self, text: str) -> None:
        on_screen = self.manager is not None and self.manager.current == self.name
        if on_screen and self.ids.field.text == text:
            self.next()

    def next(self) -> None:
        self.save()
        key = self.problem()
        if key:
            self.error_key = key
            return
        flow, phone = self.flow, self.flow.form.phone
        self.run(lambda: flow.find_returning(phone), self._found)

    def no_mobile(self) -> None:
        """On without a number: no returning-visitor match, and the desk is told at check-in."""
        self.ids.field.text = ""
        self.flow.without_phone()
        self.go(self.flow.next())

    def save(self) -> None:
        super().save()
        if self.flow.form.phone:
            self.flow.set(no_phone=False)  # a number typed after all: it is used

    def _found(self, lookup: ReturningLookup) -> None:
        if lookup.phone != self.flow.form.phone:
            return  # the number changed while the lookup ran: Next again looks it up anew
        self.flow.use_returning(lookup)
        self.go(self.flow.next())


class NameScreen(TypingStep):
    pass


class CompanyScreen(TypingStep):
    pass


class PurposeScreen(StepScreen):
    purposes = ListProperty([])

    def load(self) -> None:
        self.purposes = list(self.shell.settings.checkin.purposes)
        grid = self.ids.choices
        grid.clear_widgets()
        for purpose in self.purposes:
            button = Factory.KChoice(group="purpose", allow_no_selection=False)
            button.purpose = purpose
            button.text = self.t(f"purpose.{purpose}")
            button.state = "down" if self.flow.form.purpose == purpose else "normal"
            button.bind(on_release=lambda b: self.choose(b.purpose))
            grid.add_widget(button)

    def on_language(self, lang: str) -> None:
        for button in self.ids.choices.children:
            button.text = self.t(f"purpose.{button.purpose}")

    def choose(self, purpose: str) -> None:
        if purpose == "delivery":  # a courier leaves a parcel: no visit, no badge
            self.flow.reset()
            self.go("delivery")
            return
        self.flow.set(purpose=purpose)
        self.next()


class HostScreen(TypingStep):
    results = ListProperty([])
    chosen = DictProperty({})
    #: the host chosen earlier in this check-in ("": none yet), shown with a Next
    chosen_text = StringProperty("")
    #: what was typed in the search, kept for Back (the idle reset and home clear it)
    query = StringProperty("")
    #: kiosk.core.input.live_search.LiveSearch (None: a plain substring match of the records)
    search = ObjectProperty(None, allownone=True)
    #: kiosk.core.store.records.Records, for a result's department and the fallback match
    records = ObjectProperty(None)

    def on_text(self, text: str) -> None:
        self.error_key = ""
        self.results = self._search(text)

        def make() -> Any:
            button = Factory.HostResult()
            button.bind(on_release=lambda b: self.choose(b.result))
            return button

        def update(button: Any, _i: int, result: HostChoice) -> None:
            button.result = result
            button.text = self._label(result)

        refill(self.ids.results, self.results[:6], make, update)  # per keystroke: reuse
        self.query = text

    def _label(self, r: HostChoice) -> str:
        lang = self.shell.lang
        main = r.label_zh if lang == "zh_CN" else r.label_en
        where = self.t("host.where", floor=r.floor, room=r.room) if r.floor else ""
        dept = ""
        if r.host_id and r.department_id:
            d = self.records.department(r.department_id)
            dept = d.name(lang) if d else ""
        return "  ·  ".join(x for x in (main, dept, where) if x)

    def _search(self, text: str) -> list[HostChoice]:
        site_id = self.shell.settings.site.id
        return find_hosts(text, search=self.search, records=self.records, site_id=site_id)

    def choose(self, choice: HostChoice) -> None:
        self.flow.choose_host(choice)
        self.next()

    def load(self) -> None:
        self.ids.keyboard.clear()
        # the search understands pinyin and initials, so letters go straight into the field;
        # 拼音 mode stays one tap away for typing the characters themselves
        self.ids.keyboard.mode = "english"
        query = self.query
        if self.ids.field.text != query:
            self.ids.field.text = query  # on_text searches
        else:
            self.on_text(query)
        self._show_chosen()

    def _show_chosen(self) -> None:
        host = self.flow.host if self.flow is not None else None
        if host is None:
            self.chosen_text = ""
            return
        self.chosen_text = self._label(
            HostChoice(None, None, host.label_zh, host.label_en, host.floor, host.room)
        )

    def on_language(self, lang: str) -> None:
        """Results and the chosen host in the new language (the typed search stays)."""
        if "field" in self.ids:
            self.on_text(self.ids.field.text)
            self._show_chosen()

    def save(self) -> None:
        self.query = self.ids.field.text

    def reset(self) -> None:
        super().reset()
        self.query = self.chosen_text = ""


class ConsentScreen(StepScreen):
    #: the site's retention period, as the notice states it
    days = NumericProperty(30)

    def load(self) -> None:
        self.days = self.flow.retention_days

    def agree(self) -> None:
        self.flow.set(consent=True)
        self.next()

"""The check-in steps. Thin: each binds widgets to ``services.flow`` / ``services.checkin``.

Every value lives in the flow (kiosk.core.visits.flow.CheckinFlow), not in the widgets, so Back
loses nothing and the idle reset clears everything in one call.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    ObjectProperty,
    StringProperty,
)

from kiosk.core.config.errors import KioskError, ValidationError
from kiosk.core.visits.checkin import CheckinResult, mask_name, mask_phone
from kiosk.core.visits.flow import STEPS, HostChoice
from kiosk.screens.base import KioskScreen


class StepScreen(KioskScreen):
    """A step of the check-in flow: title, Back, Next, an error line."""

    error_key = StringProperty("")
    step_text = StringProperty("")

    @property
    def flow(self):
        return self.services.flow

    def on_pre_enter(self, *_: Any) -> None:
        self.error_key = ""
        if self.name in STEPS:
            self.step_text = f"{STEPS.index(self.name) + 1} / {len(STEPS)}"
        self.load()

    def load(self) -> None:
        """Show the flow's values for this step."""

    def save(self) -> None:
        """Write this step's widgets back into the flow."""

    def back(self) -> None:
        self.save()
        previous = self.flow.back()
        self.go(previous or "home")

    def next(self) -> None:
        self.save()
        key = self.problem()
        if key:
            self.error_key = key
            return
        self.go(self.flow.next())

    def problem(self) -> str:
        """The message key of what stops this step, or ''."""
        return self.flow.problems().get(self.name, "")

    def reset(self) -> None:
        self.error_key = ""


class TypingStep(StepScreen):
    """A step with one text field and an on-screen keyboard."""

    field_name = StringProperty("")

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
        self.flow.lookup_returning()
        self.go(self.flow.next())


class NameScreen(TypingStep):
    pass


class CompanyScreen(TypingStep):
    pass


class PurposeScreen(StepScreen):
    purposes = ListProperty([])

    def load(self) -> None:
        self.purposes = list(self.services.settings.checkin.purposes)
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
        self.flow.set(purpose=purpose)
        self.next()


class HostScreen(TypingStep):
    results = ListProperty([])
    chosen = DictProperty({})

    def on_text(self, text: str) -> None:
        self.error_key = ""
        self.results = self._search(text)
        box = self.ids.results
        box.clear_widgets()
        for result in self.results[:6]:
            button = Factory.HostResult()
            button.result = result
            button.text = self._label(result)
            button.bind(on_release=lambda b: self.choose(b.result))
            box.add_widget(button)

    def _label(self, r: HostChoice) -> str:
        lang = self.shell.lang
        main = r.label_zh if lang == "zh_CN" else r.label_en
        where = self.t("host.where", floor=r.floor, room=r.room) if r.floor else ""
        dept = ""
        if r.host_id and r.department_id:
            d = self.services.records.department(r.department_id)
            dept = d.name(lang) if d else ""
        return "  ·  ".join(x for x in (main, dept, where) if x)

    def _search(self, text: str) -> list[HostChoice]:
        text = text.strip()
        if not text:
            return []
        search = self.services.search
        if search is not None:
            out = []
            for r in search.search(text, limit=6):
                if r.kind == "host":
                    host = self.services.records.host(r.id)
                    dept_id = host.department_id if host else None
                    out.append(HostChoice(r.id, dept_id, r.name_zh, r.name_en, r.floor, r.room))
                else:
                    out.append(HostChoice(None, r.id, r.name_zh, r.name_en, r.floor, r.room))
            return out
        needle = text.casefold()
        records = self.services.records
        out = [
            HostChoice(h.id, h.department_id, h.name_zh, h.name_en, h.floor, h.room)
            for h in records.hosts(self.services.settings.site.id)
            if needle in h.name_zh.casefold() or needle in h.name_en.casefold()
        ]
        out += [
            HostChoice(None, d.id, d.name_zh, d.name_en, d.floor, d.room)
            for d in records.departments(self.services.settings.site.id)
            if needle in d.name_zh.casefold() or needle in d.name_en.casefold()
        ]
        return out[:6]

    def choose(self, choice: HostChoice) -> None:
        self.flow.choose_host(choice)
        self.next()

    def load(self) -> None:
        self.ids.field.text = ""
        self.ids.keyboard.clear()
        # the search understands pinyin and initials, so letters go straight into the field;
        # 拼音 mode stays one tap away for typing the characters themselves
        self.ids.keyboard.mode = "english"
        self.on_text("")

    def save(self) -> None:
        pass


class ConsentScreen(StepScreen):
    def agree(self) -> None:
        self.flow.set(consent=True)
        self.next()


class ConfirmScreen(StepScreen):
    summary = ListProperty([])
    welcome_back = BooleanProperty(False)
    busy = BooleanProperty(False)

    def load(self) -> None:
        form, host = self.flow.form, self.flow.host
        self.welcome_back = self.flow.returning is not None
        name = mask_name(form.name) if self.welcome_back else form.name
        lang = self.shell.lang
        rows = [
            (self.t("field.name"), name),
            (self.t("field.phone"), mask_phone(form.phone)),
        ]
        if form.company:
            company = form.company
            if self.welcome_back and self.flow.returning:
                company = self.flow.returning.masked_company or company
            rows.append((self.t("field.company"), company))
        if form.purpose:
            rows.append((self.t("field.purpose"), self.t(f"purpose.{form.purpose}")))
        if host is not None:
            label = host.label_zh if lang == "zh_CN" else host.label_en
            if host.floor:
                label += "  ·  " + self.t("host.where", floor=host.floor, room=host.room)
            rows.append((self.t("field.host"), label))
        self.summary = rows
        box = self.ids.summary
        box.clear_widgets()
        for label, value in rows:
            row = Factory.SummaryRow()
            row.label = label
            row.value = value
            box.add_widget(row)

    def on_language(self, lang: str) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.load()

    def change(self) -> None:
        self.flow.go("name")
        self.go("name")

    def confirm(self) -> None:
        if self.busy:
            return
        problems = self.flow.problems()
        if problems:
            field = next(iter(problems))
            step = "host" if field == "host" else field
            self.error_key = problems[field]
            if step in STEPS:
                self.flow.go(step)
                self.go(step)
            return
        self.busy = True
        try:
            form = self.flow.form
            from dataclasses import replace

            result = self.services.checkin.check_in(replace(form, language=self.shell.lang))
        except ValidationError as e:
            self.error_key = e.message_key
            return
        except KioskError as e:
            self.error_key = e.message_key
            return
        finally:
            self.busy = False
        self.shell.show_result(result)


class DoneScreen(KioskScreen):
    """After check-in: where to go, who was told, what about the badge."""

    title = StringProperty("")
    where = StringProperty("")
    route = StringProperty("")
    notify_text = StringProperty("")
    print_text = StringProperty("")
    visit_id = StringProperty("")
    badge_texture = ObjectProperty(None, allownone=True)
    _result: CheckinResult | None = None

    def show(self, result: CheckinResult) -> None:
        self._result = result
        self.visit_id = result.visit.id
        self.badge_texture = None
        self.refresh()
        self.shell.render_badge_preview(result.visit.id, self._show_badge)

    def show_way(self) -> None:
        """The map and the steps to the host, on the directions screen."""
        if self._result is None:
            return
        visit = self._result.visit
        self.go("directions")
        self.shell.screen("directions").show_visit(visit)

    def _show_badge(self, image: Any) -> None:
        """Turn the rendered badge (a PIL image) into a texture, on the UI thread."""
        from kivy.graphics.texture import Texture

        if self._result is None:
            return
        rgb = image.convert("RGB")
        texture = Texture.create(size=rgb.size, colorfmt="rgb")
        texture.blit_buffer(rgb.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        texture.flip_vertical()
        self.badge_texture = texture

    def refresh(self, *_: Any) -> None:
        result = self._result
        if result is None:
            return
        records = self.services.records
        lang = self.shell.lang
        self.title = self.t("done.title", name=result.visitor.name)
        host = records.host(result.visit.host_id) if result.visit.host_id else None
        dept_id = result.visit.department_id
        dept = records.department(dept_id) if dept_id else None
        floor = (host.floor if host else "") or (dept.floor if dept else "")
        room = (host.room if host else "") or (dept.room if dept else "")
        target = host.name(lang) if host else (dept.name(lang) if dept else "")
        self.where = self.t("done.where", target=target, floor=floor, room=room)
        self.route = self.shell.route_summary(result.visit) or ""
        self.notify_text = self.shell.notify_text(result.visit)
        self.print_text = self.shell.print_text(result.visit)

    def on_enter(self, *_: Any) -> None:
        self._tick = Clock.schedule_interval(self.refresh, 0.5)

    def on_leave(self, *_: Any) -> None:
        tick = getattr(self, "_tick", None)
        if tick is not None:
            tick.cancel()

    def on_language(self, lang: str) -> None:
        self.refresh()

    def reset(self) -> None:
        self._result = None
        self.title = self.where = self.route = self.notify_text = self.print_text = ""
        self.visit_id = ""
        self.badge_texture = None


class DeniedScreen(KioskScreen):
    """Neutral: the visitor is never told why."""


class InviteCodeScreen(KioskScreen):
    """Typing the code printed on an invitation (a scan needs no screen at all)."""

    error_key = StringProperty("")

    def on_enter(self, *_: Any) -> None:
        self.ids.field.focus = True

    def find(self) -> None:
        code = self.ids.field.text.strip().upper()
        try:
            self.services.checkin.find_invitation(code)
        except KioskError as e:
            self.error_key = e.message_key
            return
        self.shell.screen("invitation").show(code)
        self.go("invitation")

    def back(self) -> None:
        self.shell.home()

    def reset(self) -> None:
        self.error_key = ""
        if "field" in self.ids:
            self.ids.field.text = ""


class InvitationScreen(KioskScreen):
    """An invited guest, after a scan or the code: one tap checks them in."""

    code = StringProperty("")
    guest = StringProperty("")
    host_text = StringProperty("")
    error_key = StringProperty("")

    def show(self, code: str) -> None:
        """Look the code up and show who is expected; an error line if it is not valid."""
        self.error_key = ""
        self.code = code.strip().upper()
        try:
            inv = self.services.checkin.find_invitation(self.code)
        except KioskError as e:
            self.guest = ""
            self.host_text = ""
            self.error_key = e.message_key
            return
        self.guest = mask_name(inv.visitor_name)
        host = self.services.records.host(inv.host_id) if inv.host_id else None
        if host is not None:
            self.host_text = self.t(
                "invitation.host", host=host.name(self.shell.lang), floor=host.floor, room=host.room
            )
        else:
            self.host_text = ""

    def confirm(self) -> None:
        try:
            result = self.services.checkin.check_in_invitation(self.code, language=self.shell.lang)
        except KioskError as e:
            self.error_key = e.message_key
            return
        self.shell.show_result(result)

    def back(self) -> None:
        self.shell.home()

    def reset(self) -> None:
        self.code = self.guest = self.host_text = self.error_key = ""

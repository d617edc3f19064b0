"""The end of a check-in: confirm what was typed, then done (or the neutral denied screen).

Check-in itself runs on the command runner (the confirm button is disabled while it does); the
done screen shows ``kiosk.core.visits.progress.VisitProgress`` values, which the shell's progress
watch computes off the UI thread whenever the visit's badge or notification changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

from kiosk.core.visits.checkin import CheckinResult, mask_name
from kiosk.core.visits.progress import VisitProgress
from kiosk.screens.base import KioskScreen
from kiosk.screens.steps import StepScreen


class ConfirmScreen(StepScreen):
    summary = ListProperty([])
    welcome_back = BooleanProperty(False)
    #: the number's visits still open: the visitor is told before checking in again
    still_in = NumericProperty(0)
    #: kiosk.core.visits.checkin.CheckinService
    checkin = ObjectProperty(None)

    def load(self) -> None:
        form, host = self.flow.form, self.flow.host
        self.welcome_back = self.flow.returning is not None
        self.still_in = self.flow.still_in if self.welcome_back else 0
        # one masking rule: what the visitor typed on this visit is shown in full so they can
        # check it for a typo; what was read back from the store (a returning record) stays
        # masked, since whoever types a number is not necessarily its owner
        stored = self.flow.returning
        name = mask_name(form.name) if stored and form.name == stored.name else form.name
        lang = self.shell.lang
        rows = [(self.t("field.name"), name)]
        if form.no_phone:
            rows.append((self.t("field.phone"), self.t("confirm.no_phone")))
        elif form.phone:
            rows.append((self.t("field.phone"), form.phone))
        if form.company:
            company = form.company
            if stored and form.company == stored.company:
                company = stored.masked_company or company
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

    def instruction(self) -> str:
        """Read aloud: the title on show and, for a visitor still checked in, what to do."""
        title = self.t("confirm.welcome_back" if self.welcome_back else "confirm.title")
        return f"{title} {self.t('confirm.still_in')}" if self.still_in else title

    def change(self) -> None:
        if self.busy:
            return  # checking in already (buttons are not greyed for it: that only flickered)
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
            if step in self.flow.steps:
                self.flow.go(step)
                self.go(step)
            return
        self.error_key = ""
        form, checkin = replace(self.flow.form, language=self.shell.lang), self.checkin
        # the done screen's texts are read in the same command: Done opens complete, at once
        command = self.shell.progress.opening(lambda: checkin.check_in(form), self.shell.lang)
        self.run(command, self.shell.show_result)


class DoneScreen(KioskScreen):
    """After check-in: where to go, who was told, what about the badge.

    It shows the visitor's name and the badge QR (their check-out token), so it goes home by
    itself after ``[kiosk] done_timeout`` seconds, timed by the app's clock, with a countdown;
    the idle prompt ("clear what you typed") never shows over it.
    """

    title = StringProperty("")
    where = StringProperty("")
    route = StringProperty("")
    #: the way in sentences, one numbered line per stretch ("" without a building)
    steps_text = StringProperty("")
    #: the host could not be told: the desk is where the visitor goes first (no green "done")
    to_desk = BooleanProperty(False)
    notify_text = StringProperty("")
    print_text = StringProperty("")
    visit_id = StringProperty("")
    badge_texture = ObjectProperty(None, allownone=True)
    #: whole seconds until the screen goes home (0: no countdown running)
    remaining = NumericProperty(0)
    #: kiosk.core.visits.progress.ProgressWatch (None: the visit's name and nothing more)
    progress = ObjectProperty(None, allownone=True)
    #: the newest VisitProgress of the visit on show
    shown = ObjectProperty(None, allownone=True)
    _result: CheckinResult | None = None
    _deadline: float | None = None
    _countdown: Any = None

    @property
    def goes_home_itself(self) -> bool:  # type: ignore[override]
        return self._timeout() > 0

    def _timeout(self) -> float:
        return float(self.shell.settings.kiosk.done_timeout) if self.shell else 0.0

    def show(self, result: CheckinResult, first: VisitProgress | None = None) -> None:
        """The visit just checked in; ``first``: its progress read with the check-in, shown
        before the screen is (so it is drawn complete in its first frame)."""
        self._result = result
        self.visit_id = result.visit.id
        self.badge_texture = None
        self.shown = None
        self.where = self.route = self.notify_text = self.print_text = self.steps_text = ""
        self.to_desk = False
        if first is not None and (first.visit_id, first.lang) == (result.visit.id, self.shell.lang):
            self._show_progress(first)
        # the countdown's first value now, not on entry: no second frame only to draw it
        self.remaining = int(self._timeout() + 0.999) if self._timeout() > 0 else 0
        self._watch()  # and a refresh: what changed between the check-in and now
        self.shell.render_badge_preview(result.visit.id, self._show_badge)

    def _watch(self) -> None:
        self._title()
        if self.progress is not None and self._result is not None:
            self.progress.watch(self._result.visit, self.shell.lang, self._progressed)

    def _progressed(self, progress: VisitProgress) -> None:
        """A new value from the progress watch, on the UI thread: show it."""
        if self._result is None or progress.visit_id != self._result.visit.id:
            return
        first = self.shown is None
        self._show_progress(progress)
        if first and self.manager is not None and self.manager.current == self.name:
            self.shell.guidance.entered(self)  # the speech mode: now with where to go

    def _show_progress(self, progress: VisitProgress) -> None:
        if progress == self.shown:
            return  # the refresh after the first value found nothing new: nothing to draw
        self.shown = progress
        place = progress.place
        self.where = self.t("done.where", target=place.target, floor=place.floor, room=place.room)
        self.route = place.route
        # the way in words a first-time visitor follows, not the badge's terse one-liner
        self.steps_text = "\n".join(f"{i}.\u00a0{s}" for i, s in enumerate(place.steps, 1))
        self.to_desk = progress.notify_state in ("failed", "front_desk")
        self._title()
        self.notify_text = progress.notify_text
        self.print_text = self.t(progress.print_key) if progress.print_key else ""

    def instruction(self) -> str:
        """Read aloud: the title (with the visitor's name), where to go, who was told."""
        return " ".join(text for text in (self.title, self.where, self.notify_text) if text)

    def _title(self) -> None:
        """ "登记成功" in green only when nothing is left to do at the desk."""
        if self._result is None:
            self.title = ""
            return
        key = "done.title_desk" if self.to_desk else "done.title"
        self.title = self.t(key, name=self._result.visitor.name)

    def show_way(self) -> None:
        """The map and the steps to the host, on the directions screen."""
        if self._result is None:
            return
        visit = self._result.visit
        self.go("directions")
        self.shell.screen("directions").show_visit(visit, back_to=self.name)

    def _show_badge(self, pixels: tuple[tuple[int, int], bytes]) -> None:
        """Upload the rendered badge (its RGB bytes, copied out off the UI thread) as a
        texture, on the UI thread."""
        from kivy.graphics.texture import Texture

        if self._result is None:
            return
        size, rgb = pixels
        texture = Texture.create(size=size, colorfmt="rgb")
        texture.blit_buffer(rgb, colorfmt="rgb", bufferfmt="ubyte")
        texture.flip_vertical()
        self.badge_texture = texture

    def on_enter(self, *_: Any) -> None:
        if self._timeout() > 0:
            self._deadline = self.shell.clock.monotonic() + self._timeout()
            self._count_down()
            self._countdown = Clock.schedule_interval(self._count_down, 0.25)

    def _count_down(self, *_: Any) -> None:
        """Show the seconds left; at zero, home (which forgets this visitor)."""
        if self._deadline is None:
            return
        left = self._deadline - self.shell.clock.monotonic()
        if left <= 0:
            self._stop_countdown()
            self.shell.home()
            return
        self.remaining = int(left + 0.999)

    def _stop_countdown(self) -> None:
        self._deadline = None
        self.remaining = 0
        if self._countdown is not None:
            self._countdown.cancel()
            self._countdown = None

    def on_leave(self, *_: Any) -> None:
        self._stop_countdown()

    def on_language(self, lang: str) -> None:
        if self._result is not None:
            self._watch()  # the placement in the new language, computed once more

    def reset(self) -> None:
        super().reset()
        if self.progress is not None:
            self.progress.unwatch()
        self._result = None
        self.shown = None
        self.title = self.where = self.route = self.notify_text = self.print_text = ""
        self.steps_text = ""
        self.to_desk = False
        self.visit_id = ""
        self.badge_texture = None
        self._stop_countdown()


class DeniedScreen(KioskScreen):
    """Neutral: the visitor is never told why."""

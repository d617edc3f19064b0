"""``kiosk tour``: render every screen with demo data offscreen, one PNG per screen.

It is how documentation screenshots are made and how the UI is reviewed at both
orientations and in both languages. Each step puts the app in a realistic state (a visitor
half-way through typing, a finished check-in …) and saves the window.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.launch import configure_kivy, parse_size, prepare_environment
from kiosk.tour_console import console_steps
from kiosk.tour_desk import desk_steps
from kiosk.tour_emergency import emergency_steps

#: seconds a step may wait for its screen's command and view model before the shot is taken
MAX_WAIT = 10.0


def run_tour(*, out: Path, size: str, lang: str) -> int:
    width, height = parse_size(size)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="kiosk-tour-"))
    prepare_environment(offscreen=True, kivy_home=data_dir / "kivy")
    configure_kivy(size=(width, height), fullscreen=False)
    from kivy.clock import Clock

    from kiosk.app import KioskApp
    from kiosk.capture import save_window
    from kiosk.core.config.settings import load_settings
    from kiosk.services import build_services

    settings = load_settings(environ={}).replace(
        "kiosk", data_dir=str(data_dir), default_language=lang, fullscreen=False
    )
    settings = settings.replace("printer", out_dir=str(data_dir / "badges"))
    services = build_services(settings, demo=True)
    app = KioskApp(services=services, lockdown=False)
    steps = tour_steps(app)
    written: list[str] = []

    def run_step(index: int) -> None:
        if index >= len(steps):
            app.stop()
            return
        name, setup = steps[index]
        app.theme.reset(lowered=app.lowered_keyboard)  # each shot in the mode its step asks for
        ready = setup()
        waited = [0.0]

        def shoot(_dt: float) -> None:
            # a step whose use case runs on the command runner says when it is on show
            if callable(ready) and not ready() and waited[0] < MAX_WAIT:
                waited[0] += 0.1
                Clock.schedule_once(shoot, 0.1)
                return
            target = save_window(out / f"{name}.png")
            written.append(target.name)
            Clock.schedule_once(lambda _dt: run_step(index + 1), 0)

        Clock.schedule_once(shoot, 0.35)

    Clock.schedule_once(lambda _dt: run_step(0), 0.5)
    app.run()
    shutil.rmtree(data_dir, ignore_errors=True)
    print(f"wrote {len(written)} screens to {out}: {', '.join(written)}")
    return 0 if len(written) == len(steps) else 1


Step = Callable[[], Callable[[], bool] | None]


def _drawn(ready: Callable[[], bool]) -> Callable[[], bool]:
    """``ready`` once it has held for one more look (0.1 s), so the frame shows its texts."""
    seen = [False]

    def check() -> bool:
        if not ready():
            return False
        if seen[0]:
            return True
        seen[0] = True
        return False

    return check


def tour_steps(app: Any) -> list[tuple[str, Step]]:
    """(screen name, how to set it up) for every screen, in the order a visitor meets them."""
    services = app.services
    flow = services.flow
    zh = services.settings.kiosk.default_language == "zh_CN"

    def screen(name: str) -> Any:
        return app.screen(name)

    def home() -> None:
        app.home()

    def phone() -> None:
        flow.reset()
        app.go("phone")
        screen("phone").ids.field.text = "138 0013"

    def name() -> None:
        flow.set(phone="13800138000")
        flow.go("name")
        app.go("name")
        s = screen("name")
        s.ids.field.text = "张" if zh else "Zhang"
        if zh:
            for letter in "wei":
                s.ids.keyboard.press(letter)

    def id_number() -> None:
        # shown where a site collects ID numbers ([checkin] id_numbers); the flow's own
        # steps are left as the settings say
        app.go("id_number")
        screen("id_number").ids.field.text = "11010519491231002"

    def company() -> None:
        flow.set(name="张伟" if zh else "Zhang Wei")
        flow.go("company")
        app.go("company")
        screen("company").ids.field.text = "星辰科技" if zh else "Starlight Tech"

    def purpose() -> None:
        flow.set(company="星辰科技" if zh else "Starlight Tech", purpose="meeting")
        flow.go("purpose")
        app.go("purpose")

    def host() -> None:
        flow.go("host")
        app.go("host")
        screen("host").ids.field.text = "ln" if zh else "li"

    def consent() -> None:
        from kiosk.core.visits.flow import HostChoice

        h = services.records.host("h001")
        flow.choose_host(HostChoice(h.id, h.department_id, h.name_zh, h.name_en, h.floor, h.room))
        flow.go("consent")
        app.go("consent")

    def confirm() -> None:
        flow.set(consent=True)
        flow.go("confirm")
        app.go("confirm")

    def done() -> Callable[[], bool]:
        screen("confirm").confirm()
        done = screen("done")
        # the badge preview is drawn off the UI thread: the shot waits for it too
        badge = services.print_queue is not None
        return lambda: (
            app.manager.current == "done"
            and done.shown is not None
            and (done.badge_texture is not None or not badge)
        )

    def denied() -> None:
        app.go("denied")

    def invite_code() -> None:
        app.go("invite_code")
        screen("invite_code").ids.field.text = "DEMO12"

    def invitation() -> Callable[[], bool]:
        app.scanner.handle_scan("DEMO1234")
        return lambda: app.manager.current == "invitation"

    def checkout() -> None:
        app.go("checkout")
        screen("checkout").ids.field.text = "139 1234"

    def goodbye() -> Callable[[], bool]:
        # the visit the done step checked in leaves, and is offered the one-tap rating
        visit_id = screen("done").visit_id
        if visit_id:
            out = services.checkin
            app.commands.submit(
                lambda: out.check_out(visit_id), lambda v: screen("goodbye").present(v.id)
            )
        else:
            app.go("goodbye")
        return lambda: app.manager.current == "goodbye"

    def directions() -> Callable[[], bool]:
        app.go("directions")
        s = screen("directions")
        s.tour()
        # the map is drawn on a worker: the shot waits for it
        return _drawn(lambda: s.ids.map.image is not None and s.ids.pages.current == "map")

    def help_() -> None:
        app.go("help")

    def idle() -> None:
        app.go("name")
        app.idle.idle_for(services.settings.kiosk.idle_timeout + 3)

    pin = "582947"
    added: list[object] = []
    guests: list[Any] = []

    def reception_first_admin() -> Callable[[], bool]:
        # no staff account yet: opening receptionist mode asks for the first admin
        app.home()
        app.go("reception_pin")
        first = screen("reception_first_admin")

        def ready() -> bool:
            if app.manager.current != "reception_first_admin":
                return False
            if not first.ids.name.text:  # typed now: shown from the next frame on
                first.ids.name.text = "李静" if zh else "Li Jing"
                first.ids.pin.text = "135790"
                return False
            return True

        return ready

    def reception_pin() -> Callable[[], bool]:
        app.home()
        staff = services.reception.staff
        name = "王芳" if zh else "Wang Fang"
        app.commands.submit(lambda: staff.add(name, "receptionist", pin), added.append)
        app.go("reception_pin")
        screen("reception_pin").ids.field.text = pin[:4]
        return lambda: bool(added) and not screen("reception_pin").busy

    def reception_board() -> Callable[[], bool]:
        from kiosk.core.visits.checkin import CheckinForm

        # the demo watchlist's entry, held for a decision at the desk
        held = CheckinForm(
            name="黑名单测试", phone="13000000000", purpose="meeting", host_id="h001", consent=True
        )
        app.commands.submit(lambda: services.checkin.check_in(held))
        guest = CheckinForm(
            name="赵云" if zh else "Zhao Yun",
            phone="13912340006",
            company="星辰科技" if zh else "Starlight Tech",
            purpose="meeting",
            host_id="h004",
            consent=True,
        )
        app.commands.submit(lambda: services.checkin.check_in(guest), guests.append)
        s = screen("reception_pin")
        s.ids.field.text = pin
        s.enter_pin()
        board = screen("reception_board")
        return lambda: app.manager.current == "reception_board" and board.view is not None

    def reception_record() -> Callable[[], bool]:
        board = screen("reception_board")
        visit_id = guests[0].visit.id
        staff = app.reception.session.staff
        actions = services.reception.actions
        why = "登记时拼写错误" if zh else "misspelled at check-in"
        fixed = "星辰科技有限公司" if zh else "Starlight Technology Ltd"
        app.commands.submit(lambda: actions.correct(staff, visit_id, "company", fixed, why))
        entry = next(e for e in board.view.lists["on_site"] if e.visit_id == visit_id)
        record = screen("reception_record")
        record.show(entry)
        app.go("reception_record")
        return lambda: record.view is not None and bool(record.view.annotations)

    def reception_checkin() -> Callable[[], bool]:
        app.go("reception_checkin")
        s = screen("reception_checkin")
        s.ids.name.text = "孙丽" if zh else "Sun Li"
        s.ids.phone.text = "13700001111"
        s.ids.company.text = "远航物流" if zh else "Voyage Logistics"
        s.pick_purpose("delivery")
        s.ids.host_search.text = "li"
        return lambda: bool(s.ids.hosts.children) and s.ids.hosts.height > 0

    def reception_alerts() -> Callable[[], bool]:
        from kiosk.core.alerts import raise_alert

        settings = services.settings

        def alert() -> None:
            with services.store.transaction() as tx:
                raise_alert(
                    tx,
                    "disk_low",
                    severity="warning",
                    message_key="alert.disk_low",
                    details={"free_mb": "180"},
                    site_id=settings.site.id,
                    kiosk_id=settings.kiosk.id,
                )

        app.commands.submit(alert)
        app.go("reception_alerts")
        alerts = screen("reception_alerts")
        return lambda: bool(alerts.alerts)

    def reception_alerts_desk_away() -> Callable[[], bool]:
        from datetime import timedelta

        from kiosk.core.reception.desk import leave_desk

        # the desk's backup for this tour only: no channel of it is ever sent to
        contact = "保安室 分机 8110" if zh else "Security office, ext. 8110"
        services.settings = services.settings.replace(
            "reception", backup_contact=contact, backup_channels=("json://127.0.0.1:9/tour",)
        )
        settings = services.settings
        session = app.reception.session
        alerts = screen("reception_alerts")
        if session is None:
            return lambda: True
        actor = session.staff.actor

        def leave() -> object:
            return leave_desk(
                services.store,
                actor,
                backup_contact=contact,
                backup_channels=settings.reception.backup_channels,
                site_id=settings.site.id,
                kiosk_id=settings.kiosk.id,
                return_at=services.clock.now() + timedelta(minutes=30),
            )

        app.commands.submit(leave, lambda desk: alerts._show_desk(desk))
        return _drawn(lambda: bool(alerts.desk is not None and alerts.desk.unattended))

    def help_desk_away() -> Callable[[], bool]:
        app.reception.lock()
        app.go("help")
        s = screen("help")

        def asked() -> bool:
            if not s.answer_text and not s.busy:
                s.ask()  # once the screen has read the desk's status
            return bool(s.answer_text) and bool(s.desk_text)

        return _drawn(asked)

    visitor: list[tuple[str, Step]] = [
        ("home", home),
        ("phone", phone),
        ("name", name),
        ("id_number", id_number),
        ("company", company),
        ("purpose", purpose),
        ("host", host),
        ("consent", consent),
        ("confirm", confirm),
    ]
    from kiosk.tour_access import access_steps

    console = console_steps(app, zh)
    from kiosk.tour_tickets import ticket_steps

    console += ticket_steps(app, zh)
    steps: list[tuple[str, Step]] = [
        *visitor,
        # the same screens in each accessibility mode; the check-in goes on from confirm
        *access_steps(app, dict(visitor)),
        ("done", done),
        ("denied", denied),
        ("invite_code", invite_code),
        ("invitation", invitation),
        ("checkout", checkout),
        ("goodbye", goodbye),
        ("directions", directions),
        ("help", help_),
        ("idle", idle),
        ("reception_first_admin", reception_first_admin),
        ("reception_pin", reception_pin),
        ("reception_board", reception_board),
        ("reception_record", reception_record),
        ("reception_checkin", reception_checkin),
        ("reception_alerts", reception_alerts),
        ("reception_alerts_desk_away", reception_alerts_desk_away),
        ("help_desk_away", help_desk_away),
        *console,
        *desk_steps(app, zh),
        *emergency_steps(app, zh),
    ]
    return steps

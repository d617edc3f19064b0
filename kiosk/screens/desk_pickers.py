"""The host and purpose pickers of the desk's forms (reception_checkin, reception_record).

A host is found with the visitor's own search (``kiosk.core.visits.flow.find_hosts``: pinyin,
initials, departments) on the shell's background runner, so typing never waits for the index
and only the newest search's results reach the list. Rows are refilled in place
(kiosk.widgets.reuse). No state of its own: the screen keeps what was picked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.factory import Factory

from kiosk.core.visits.flow import HostChoice, find_hosts
from kiosk.shell.background import background
from kiosk.widgets.reuse import refill

#: host results shown under the search field
HOST_ROWS = 5


def host_label(choice: HostChoice, lang: str, t: Callable[..., str]) -> str:
    main = choice.label_zh if lang == "zh_CN" else choice.label_en
    where = t("host.where", floor=choice.floor, room=choice.room) if choice.floor else ""
    return "  ·  ".join(x for x in (main, where) if x)


def search_hosts(
    key: str, screen: Any, text: str, deliver: Callable[[list[HostChoice]], None]
) -> None:
    """Find hosts for ``text`` off the UI thread; ``deliver(results)`` on it (newest only)."""
    search, records = screen.search, screen.records
    site_id = screen.shell.settings.site.id
    background().run(
        key,
        lambda: find_hosts(text, search=search, records=records, site_id=site_id, limit=HOST_ROWS),
        deliver,
    )


def fill_hosts(
    box: Any,
    results: list[HostChoice],
    *,
    chosen: HostChoice | None,
    lang: str,
    t: Callable[..., str],
    pick: Callable[[HostChoice], None],
) -> None:
    def make() -> Any:
        button = Factory.DeskChoice(group=f"hosts-{id(box)}")
        button.bind(on_release=lambda b: pick(b.choice))
        return button

    def update(button: Any, _i: int, choice: HostChoice) -> None:
        button.choice = choice
        button.text = host_label(choice, lang, t)
        button.state = "down" if choice == chosen else "normal"

    refill(box, results, make, update)


def fill_purposes(
    box: Any,
    purposes: list[str],
    *,
    chosen: str,
    t: Callable[..., str],
    pick: Callable[[str], None],
) -> None:
    def make() -> Any:
        button = Factory.DeskChoice(group=f"purposes-{id(box)}")
        button.bind(on_release=lambda b: pick(b.choice))
        return button

    def update(button: Any, _i: int, purpose: str) -> None:
        button.choice = purpose
        button.text = t(f"purpose.{purpose}")
        button.state = "down" if purpose == chosen else "normal"

    refill(box, purposes, make, update)

"""The done screen's view model: where to go, whether the host was told, where the badge is.

``ProgressModel.progress(visit, lang)`` computes a ``VisitProgress`` value; it reads the store,
so it runs off the UI thread. The placement (host or department, floor, room and the one-line
route) is computed once per visit and language and kept; only the notification and badge lines
are read again, and only when ``ProgressWatch`` sees one of their inputs change:

- an outbox event about the visit: ``badge.*`` or ``notify.*`` (``Store.on_emit``);
- a print-job state change, "printing" included (``PrintQueue.subscribe``);
- a pulled ``host.replied`` (``SyncClient.on_pulled``: replies arrive from head office).

No Kivy and no thread of its own: the watch hands its work to ``submit`` (the shell's query
runner), which runs it on a worker and delivers the value on the UI thread. Nothing here is
ever polled. The first value is the exception: ``ProgressWatch.opening`` computes it in the
check-in command itself, right after the commit, so the done screen opens complete in one frame
instead of a query round trip (and one more drawn frame) later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.core.config.errors import KioskError
from kiosk.core.models import Visit
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.visits.forms import CheckinResult

log = logging.getLogger(__name__)

#: the outbox kinds (by prefix) that change a visit's progress
KINDS = ("badge.", "notify.")
#: pulled kinds that do (a host's reply is applied by the sync client's pull)
PULLED = frozenset({"host.replied"})


class NotifyLine(Protocol):
    """``kiosk.core.notify.worker.NotifyStatus``."""

    @property
    def state(self) -> str: ...

    def text(self) -> str: ...


class PrintLine(Protocol):
    """``kiosk.core.printing.queue.JobStatus``."""

    @property
    def visit_id(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def message_key(self) -> str: ...


class Submit(Protocol):
    """Run ``fn`` off the UI thread and give its result to ``on_done`` on the UI thread."""

    def __call__(self, fn: Callable[[], Any], on_done: Callable[[Any], None], /) -> object: ...


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the visitor goes: the same for the whole visit (in one language)."""

    target: str
    floor: str
    room: str
    #: the one-line way ("5楼 503室 · 2号电梯 右转"), "" when there is no building or no way
    route: str
    #: the way in sentences, one per stretch ("乘2号电梯到5楼，出电梯后右转 …"), () without one
    steps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VisitProgress:
    visit_id: str
    lang: str
    place: Placement
    #: the host line, translated ("李娜已收到通知" …), "" without a notifier
    notify_text: str = ""
    #: pending, notified, coming, wait, escalated, front_desk, failed ("" without a notifier)
    notify_state: str = ""
    #: badge.status.printing / .printed / .at_reception ("" without a print queue)
    print_key: str = ""
    #: queued, printing, printed, failed, none ("" without a print queue)
    print_state: str = ""


@dataclass(frozen=True, slots=True)
class CheckedIn:
    """A check-in's outcome with the done screen's first view of it (None: not read)."""

    result: CheckinResult
    progress: VisitProgress | None = None


class ProgressModel:
    """Computes a visit's progress from the records, the notifier and the print queue."""

    def __init__(
        self,
        *,
        records: Records,
        notify_status: Callable[[str, str], NotifyLine] | None = None,
        print_status: Callable[[str], PrintLine] | None = None,
        route_summary: Callable[[Visit, str], str] | None = None,
        route_steps: Callable[[Visit, str], tuple[str, ...]] | None = None,
    ) -> None:
        self.records = records
        self._notify_status = notify_status
        self._print_status = print_status
        self._route_summary = route_summary
        self._route_steps = route_steps
        self._places: dict[tuple[str, str], Placement] = {}
        self._lock = threading.Lock()

    def progress(self, visit: Visit, lang: str) -> VisitProgress:
        notify = self._notify_status(visit.id, lang) if self._notify_status else None
        badge = self._print_status(visit.id) if self._print_status else None
        return VisitProgress(
            visit_id=visit.id,
            lang=lang,
            place=self.placement(visit, lang),
            notify_text=notify.text() if notify else "",
            notify_state=notify.state if notify else "",
            print_key=badge.message_key if badge else "",
            print_state=badge.state if badge else "",
        )

    def placement(self, visit: Visit, lang: str) -> Placement:
        """Computed once per visit and language (the route is the expensive part)."""
        key = (visit.id, lang)
        with self._lock:
            place = self._places.get(key)
        if place is not None:
            return place
        records = self.records
        host = records.host(visit.host_id) if visit.host_id else None
        dept = records.department(visit.department_id) if visit.department_id else None
        route = ""
        steps: tuple[str, ...] = ()
        try:
            if self._route_summary is not None:
                route = self._route_summary(visit, lang)
            if self._route_steps is not None:
                steps = tuple(self._route_steps(visit, lang))
        except KioskError:
            route, steps = "", ()  # no building, or no way there: floor and room are shown
        place = Placement(
            target=host.name(lang) if host else (dept.name(lang) if dept else ""),
            floor=(host.floor if host else "") or (dept.floor if dept else ""),
            room=(host.room if host else "") or (dept.room if dept else ""),
            route=route,
            steps=steps,
        )
        with self._lock:
            if len(self._places) > 64:  # one visit at a time is on show: keep the cache small
                self._places.clear()
            self._places[key] = place
        return place


class ProgressWatch:
    """Keeps the progress of the one visit on show up to date, from its inputs' changes."""

    def __init__(self, *, model: ProgressModel, store: Store, submit: Submit) -> None:
        self.model = model
        self.store = store
        self._submit = submit
        self._lock = threading.Lock()
        self._watched: tuple[int, Visit, str, Callable[[VisitProgress], None]] | None = None
        self._generation = 0
        #: the generation a refresh is on its way for (None: none is)
        self._queued: int | None = None
        self._seen = 0
        store.on_emit(self._emitted)

    # -- the screen's side -------------------------------------------------------------------
    def watch(self, visit: Visit, lang: str, on_change: Callable[[VisitProgress], None]) -> None:
        """Compute the progress now and again after each change, until ``unwatch``; each value
        goes to ``on_change`` (through ``submit``: on the UI thread in the app)."""
        with self._lock:
            self._generation += 1
            self._watched = (self._generation, visit, lang, on_change)
            self._seen = -1  # the first refresh learns the outbox position
        self.changed()

    def opening(self, check_in: Callable[[], CheckinResult], lang: str) -> Callable[[], CheckedIn]:
        """The check-in command with the done screen's first value: ``check_in()`` commits the
        visit, then, on the same (command) thread, where to go and who is told are read.

        A failure to read them does not fail the command: the visit is stored, so the visitor
        must see Done, not an error inviting a second check-in; ``watch`` computes it then.
        """
        model = self.model

        def command() -> CheckedIn:
            result = check_in()
            if result.denied:
                return CheckedIn(result)
            try:
                return CheckedIn(result, model.progress(result.visit, lang))
            except Exception:
                log.exception("the done screen's first view of visit %s", result.visit.id)
                return CheckedIn(result)

        return command

    def unwatch(self) -> None:
        with self._lock:
            self._generation += 1
            self._watched = None

    # -- the inputs' side (any thread) -------------------------------------------------------
    def changed(self, visit_id: str | None = None) -> None:
        """Something about ``visit_id`` (None: about the watched visit) changed: refresh once."""
        with self._lock:
            watched = self._watched
            if watched is None or (visit_id is not None and visit_id != watched[1].id):
                return
            generation, visit, lang, on_change = watched
            if self._queued == generation:
                return  # a refresh is already on its way; it will read the newest state
            self._queued = generation

        def compute() -> VisitProgress | None:
            with self._lock:
                if self._queued == generation:
                    self._queued = None
                if generation != self._generation:
                    return None
            self._seen = self._outbox_end()
            return self.model.progress(visit, lang)

        def deliver(progress: VisitProgress | None) -> None:
            if progress is not None and generation == self._generation:
                on_change(progress)

        self._submit(compute, deliver)

    def print_changed(self, status: PrintLine) -> None:
        """For ``PrintQueue.subscribe``."""
        self.changed(status.visit_id)

    def pulled(self, kinds: Iterable[str]) -> None:
        """For ``SyncClient.on_pulled``: a host's reply may be among the pulled changes."""
        if PULLED & set(kinds):
            self.changed()

    def _emitted(self) -> None:
        """After any commit that emitted events: is one of them about the watched visit?"""
        with self._lock:
            watched, seen = self._watched, self._seen
        if watched is None or seen < 0:
            return
        kinds = " OR ".join("kind LIKE ?" for _ in KINDS)
        row = self.store.query_one(
            f"SELECT count(*) FROM outbox WHERE seq > ? AND entity_id = ? AND ({kinds})",
            (seen, watched[1].id, *(k + "%" for k in KINDS)),
        )
        if row is not None and row[0]:
            self.changed(watched[1].id)

    def _outbox_end(self) -> int:
        row = self.store.query_one("SELECT coalesce(max(seq), 0) FROM outbox")
        return int(row[0]) if row else 0

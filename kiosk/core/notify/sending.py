"""Sending: one thread per channel (apprise URL), a watchdog for sends that never return.

A dead or slow channel only delays its own messages: each URL has its own sending thread
(exiting after a while without work), the worker's own thread never sends. Outcomes come back
through a queue the worker collects each round; a send that does not come back within twice
``send_timeout`` plus a grace is abandoned (the channel gets a fresh thread and plugin) and
recorded as a failed attempt.

Must never: touch the store (the worker records outcomes) or time a real thread on the
injected clock.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.core.config.errors import KioskError
from kiosk.core.notify.channels import Message, Notifier, redact_url, scrub


@dataclass
class Job:
    delivery_id: str
    url: str
    message: Message
    #: whose delivery: "visit" (notify_deliveries) or "alert" (alert_deliveries)
    of: str = "visit"


class Channel:
    """One sending thread per URL; exits after a while without work."""

    IDLE_SECONDS = 30.0

    def __init__(self, url: str, send: Callable[[Job], None]) -> None:
        self.url = url
        self._send = send
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._alive = False
        self.busy: Job | None = None
        #: real (not injected) time the current send started: this watches a real thread
        self.busy_since = 0.0
        self.abandoned = False

    def submit(self, job: Job) -> None:
        with self._lock:
            self.busy = job
            self.busy_since = time.monotonic()
            self._jobs.put(job)
            if not self._alive:
                self._alive = True
                threading.Thread(
                    target=self._run, name=f"notify-channel-{id(self):x}", daemon=True
                ).start()

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._jobs.empty():
                        self._alive = False
                        return
                continue
            self._send(job)
            if self.abandoned:
                return


#: (job, error or None) for each finished or abandoned send
Outcome = tuple[Job, str | None]


class ChannelPool:
    def __init__(
        self,
        *,
        notifier: Notifier,
        send_timeout: float,
        hang_grace: float,
        woken: Callable[[], None],
    ) -> None:
        self.notifier = notifier
        self.send_timeout = send_timeout
        #: seconds beyond twice ``send_timeout`` before a send that never returned is abandoned
        self.hang_grace = hang_grace
        self._woken = woken
        self.channels: dict[str, Channel] = {}
        self._results: queue.SimpleQueue[Outcome] = queue.SimpleQueue()

    def busy(self) -> bool:
        return any(c.busy is not None for c in self.channels.values())

    def busy_urls(self) -> set[str]:
        return {c.url for c in self.channels.values() if c.busy is not None}

    def submit(self, job: Job) -> bool:
        """Hand ``job`` to its channel's thread; False while that channel is still sending
        (one message at a time per channel; the others go on their own)."""
        channel = self.channels.get(job.url)
        if channel is None:
            channel = self.channels[job.url] = Channel(job.url, self._send)
        if channel.busy is not None:
            return False
        channel.submit(job)
        return True

    def _send(self, job: Job) -> None:
        """On a channel thread: send, then hand the outcome back to the worker."""
        error: str | None = None
        try:
            self.notifier.send(job.url, job.message, timeout=self.send_timeout)
        except KioskError as e:
            error = scrub(str(e.detail or e), [job.url])
        except Exception as e:  # a plugin bug is a failed attempt, not a dead channel thread
            error = scrub(f"{redact_url(job.url)}: {type(e).__name__}: {e}", [job.url])
        self._results.put((job, error))
        self._woken()

    def abandoned(self) -> list[Outcome]:
        """Sends that never came back, given up on now (their channels start afresh)."""
        deadline = self.send_timeout * 2 + self.hang_grace
        out: list[Outcome] = []
        for url, channel in list(self.channels.items()):
            job = channel.busy
            if job is not None and time.monotonic() - channel.busy_since > deadline:
                channel.abandoned = True
                del self.channels[url]
                forget = getattr(self.notifier, "forget", None)
                if forget is not None:
                    forget(url)
                out.append((job, f"{redact_url(url)}: no answer within {deadline:.0f} s"))
        return out

    def finished(self) -> list[Outcome]:
        """Outcomes that came back since the last call (late ones of abandoned sends dropped)."""
        out: list[Outcome] = []
        while True:
            try:
                job, error = self._results.get_nowait()
            except queue.Empty:
                return out
            channel = self.channels.get(job.url)
            if channel is None or channel.busy is not job:
                continue  # abandoned by the watchdog: its outcome was recorded already
            channel.busy = None
            out.append((job, error))

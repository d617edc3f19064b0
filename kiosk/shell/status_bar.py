"""The top bar's texts: the site's name, the time, and whether head office is reachable.

The sync state counts unsent events in the store, so it is read on the query runner, never on
the UI thread; the bar shows the newest answer when it comes back.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from kivy.clock import Clock

from kiosk.core.config.i18n import translate

#: seconds between two updates of the clock and the sync state
EVERY = 1.0


class StatusBar:
    """Sets ``shell.site_name``, ``shell.now_text`` and ``shell.sync_text`` (kiosk.kv shows them).

    ``sync``: the sync client (``status()``), None when the kiosk stands alone. ``queries``: the
    runner that reads its status off the UI thread.
    """

    def __init__(self, shell: Any, *, sync: Any, queries: Any) -> None:
        self.shell = shell
        self.sync = sync
        self.queries = queries
        self._timer: Any = None
        self._asking = False

    def start(self) -> None:
        self.tick(0)
        self._timer = Clock.schedule_interval(self.tick, EVERY)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def tick(self, _dt: float) -> None:
        shell = self.shell
        settings = shell.settings
        shell.site_name = settings.site.name_zh if shell.lang == "zh_CN" else settings.site.name_en
        now = shell.clock.now().astimezone(ZoneInfo(settings.site.timezone))
        shell.now_text = now.strftime("%H:%M")
        if self.sync is not None and not self._asking:
            self._asking = True
            self.queries.submit(self.sync.status, self._show_sync, self._not_known)

    def _not_known(self, _error: Any) -> None:
        self._asking = False

    def _show_sync(self, status: Any) -> None:
        self._asking = False
        shell, lang = self.shell, self.shell.lang
        if status.online and status.rejected:
            shell.sync_text = translate("shell.online_rejected", lang, rejected=status.rejected)
        elif status.online:
            shell.sync_text = translate("shell.online", lang)
        elif status.offline_since is not None:
            since = status.offline_since.astimezone(ZoneInfo(shell.settings.site.timezone))
            shell.sync_text = translate(
                "shell.offline_since", lang, since=since.strftime("%H:%M"), pending=status.pending
            )
        else:
            shell.sync_text = translate("shell.offline", lang, pending=status.pending)

"""The top bar's texts: the site's name, the time, and whether head office is reachable.

The sync state counts unsent events in the store and, once the last successful pull is older
than the limit, says "watchlist as of …" (``kiosk.core.head_office.staleness``); the site's
names and zone are its row in the store (head office renames a site by ``site.updated``), so
both are read on the query runner, never on the UI thread; the bar shows the newest answer
when it comes back. The site row is read at start and again after a pull that applied
``site.updated``; until it is known, and when the row is missing, the settings' names are
shown.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from kivy.clock import Clock

from kiosk.core.config.i18n import translate
from kiosk.core.head_office.staleness import watchlist_line

#: seconds between two updates of the clock and the sync state
EVERY = 1.0


class StatusBar:
    """Sets ``shell.site_name``, ``shell.now_text`` and ``shell.sync_text`` (kiosk.kv shows them).

    ``sync``: the sync worker (``status()``, ``on_pulled``), None when the kiosk stands alone.
    ``records``: the store's repositories (``site(id)``). ``queries``: the runner that reads
    both off the UI thread.
    """

    def __init__(self, shell: Any, *, sync: Any, records: Any, queries: Any) -> None:
        self.shell = shell
        self.queries = queries
        self.records = records
        self.sync: Any = None
        #: the site row as last read (None: not read yet, or no row)
        self.site: Any = None
        self._timer: Any = None
        self._asking = False
        self._site_stale = True
        self._reading_site = False
        self.wire(sync=sync, records=records)

    def wire(self, *, sync: Any, records: Any) -> None:
        """Use these services (after a rewire): the site row is read again from ``records``."""
        self.records = records
        if sync is not None and sync is not self.sync:
            sync.on_pulled(self.pulled)
        self.sync = sync
        self._site_stale = True

    def pulled(self, kinds: frozenset[str]) -> None:
        # on the sync worker's thread: only mark the row stale, the next tick reads it
        if "site.updated" in kinds:
            self._site_stale = True

    def start(self) -> None:
        self.tick(0)
        self._timer = Clock.schedule_interval(self.tick, EVERY)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def tick(self, _dt: float) -> None:
        self._show_site_and_time()
        if self._site_stale and not self._reading_site and self.records is not None:
            self._site_stale, self._reading_site = False, True
            records, site_id = self.records, self.shell.settings.site.id
            self.queries.submit(lambda: records.site(site_id), self._show_site, self._no_site)
        if self.sync is not None and not self._asking:
            self._asking = True
            self.queries.submit(self.sync.status, self._show_sync, self._not_known)

    def _show_site_and_time(self) -> None:
        shell = self.shell
        site = self.site or shell.settings.site
        shell.site_name = site.name_zh if shell.lang == "zh_CN" else site.name_en
        shell.now_text = shell.clock.now().astimezone(self._zone()).strftime("%H:%M")

    def _zone(self) -> ZoneInfo:
        return ZoneInfo((self.site or self.shell.settings.site).timezone)

    def _show_site(self, site: Any) -> None:
        self._reading_site = False
        self.site = site
        self._show_site_and_time()

    def _no_site(self, _error: Any) -> None:
        self._reading_site = False
        self._site_stale = True  # try again on a later tick

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
            since = status.offline_since.astimezone(self._zone())
            shell.sync_text = translate(
                "shell.offline_since", lang, since=since.strftime("%H:%M"), pending=status.pending
            )
        else:
            shell.sync_text = translate("shell.offline", lang, pending=status.pending)
        as_of = watchlist_line(
            status.last_pull,
            shell.clock.now(),
            shell.settings.head_office,
            lang=lang,
            zone=self._zone(),
        )
        if as_of:
            shell.sync_text = f"{shell.sync_text}  {as_of}"

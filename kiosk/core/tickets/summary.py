"""The periodic complaint summary (seed §5 "summarise complaints periodically"): once a week
(``[tickets] summary_every``: day, week, month, quarter, year or off) the desk's supervisor
channels (``[tickets] summary_channels``) get the period's complaint figures.

When a period of the site's calendar (``kiosk.core.reports.periods``, the site's time zone)
has ended, the summary of that period is planned as rows of the notifier's alert-delivery
queue (route ``summary``), in the same transaction that remembers the period in the kv store
(``tickets.summary.<every>``), so a restart never sends it twice; the notify worker sends it
with the retries it uses for alerts, and a send that fails for good raises
``alert_undelivered``. The figures are ``ticket_figures`` over the period (complaints
received, resolved, confirmed with the client, still open; tickets past their due time), in
both languages, the site's default first.

The first time the summary runs (or after ``summary_every`` changed) it only remembers the
period before the current one: the first summary is the current period's, at its end. A
kiosk that was off over several period ends sends the latest ended one only.

Must never: name a client or staff member; send with no channel or ``off``.
"""

from __future__ import annotations

from datetime import timedelta

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.i18n import translate
from kiosk.core.config.settings import Settings
from kiosk.core.notify.channels import redact_url
from kiosk.core.reports.periods import KINDS, Period, current, period
from kiosk.core.store import alert_deliveries, kv
from kiosk.core.store.database import Store, new_id
from kiosk.core.tickets.figures import ticket_figures
from kiosk.core.workers.worker import Worker

ROUTE = "summary"


class ComplaintSummary(Worker):
    def __init__(self, *, store: Store, settings: Settings) -> None:
        super().__init__(name="complaint-summary", clock=store.clock)
        self.store = store
        self.settings = settings
        self.every = settings.tickets.summary_every
        if self.every != "off" and self.every not in KINDS:
            raise ConfigError(
                f"[tickets] summary_every must be one of {', '.join((*KINDS, 'off'))}, "
                f"got {self.every!r}"
            )
        self.urls = tuple(dict.fromkeys(settings.tickets.summary_channels))
        self.zone = settings.site.timezone

    @property
    def enabled(self) -> bool:
        return bool(self.urls) and self.every != "off"

    @property
    def key(self) -> str:
        return f"tickets.summary.{self.every}"

    def ended(self) -> Period:
        """The latest period of ``summary_every`` that has ended by now."""
        now = current(self.every, self.clock.now(), self.zone)
        return period(self.every, now.first - timedelta(days=1), self.zone)

    def run_once(self) -> bool:
        if not self.enabled:
            return False
        last = self.ended()
        with self.store.transaction() as tx:
            remembered = kv.get(self.store, self.key)
            if remembered is None:  # the first run: the first summary is the current period's
                kv.put(tx, self.key, last.label)
                return False
            if remembered >= last.label:
                return False
            kv.put(tx, self.key, last.label)
            subject, text = self.message(last)
            for url in self.urls:
                alert_deliveries.add(
                    tx,
                    delivery_id=new_id(),
                    alert_id=f"summary-{self.every}-{last.label}",
                    route=ROUTE,
                    url=url,
                    channel=redact_url(url),
                    subject=subject,
                    text=text,
                    now=tx.clock.now(),
                )
        return True

    def message(self, p: Period) -> tuple[str, str]:
        """The summary's subject and text, both languages, the site's default first."""
        f = ticket_figures(self.store, p.start, p.end)
        c = f["complaints"]
        params = {
            "label": p.label,
            "first": p.first.isoformat(),
            "last": (p.after - timedelta(days=1)).isoformat(),
            "received": c["received"],
            "resolved": c["resolved"],
            "confirmed": c["confirmed"],
            "open": c["received"] - c["resolved"],
            "tickets": f["tickets"],
            "overdue": f["overdue"]["total"],
        }
        languages = self._languages()
        subject = translate("ticket_summary.subject", languages[0], **params)
        text = "\n\n".join(translate("ticket_summary.text", lang, **params) for lang in languages)
        return subject[:200], text

    def due_in(self) -> float | None:
        if not self.enabled:
            return None
        end = current(self.every, self.clock.now(), self.zone).end
        return max(0.0, (end - self.clock.now()).total_seconds()) + 1.0

    def _languages(self) -> list[str]:
        default = self.settings.kiosk.default_language
        return [default] + [lang for lang in ("zh_CN", "en") if lang != default]

"""Retention on the kiosk: personal data kept ``retention_days``, then anonymised in place.

The period is one per-site setting, set at head office (``checkin.retention_days`` in the site's
settings, which reach the kiosk as ``site.settings``); the kiosk's own ``[checkin]
retention_days`` (default 30) holds only until head office has said. The purge
(``store/purge.py``) empties names, numbers, companies, notes, corrections, message texts and
handled outbox payloads older than the period, and the personal fields of tickets raised before
it and since resolved, confirmed or closed (``tickets/anonymise.py``), and ID numbers (where a
site collects them) after the shorter ``[checkin] id_retention_days`` (``store/id_numbers.py``;
never longer than the site's period), and keeps counts, times,
purposes and departments, so reports add up the same afterwards. Each purge that changed
something is one audit entry (``privacy.purge``, actor ``system``) with its counts, never a
name.

``PurgeWorker`` runs it on the injected clock every ``check_every`` seconds (an hour).
Must never: import Kivy, purge a visit still checked in.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from kiosk.core.config.clock import Clock, iso
from kiosk.core.reception import audit
from kiosk.core.store import id_numbers, kv, purge
from kiosk.core.store.database import Store
from kiosk.core.workers.worker import Worker

log = logging.getLogger(__name__)

#: days personal data is kept when neither head office nor the settings file says
DEFAULT_DAYS = 30


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    visits: int = 0
    corrections: int = 0
    visitors: int = 0
    invitations: int = 0
    deliveries: int = 0
    print_jobs: int = 0
    payloads: int = 0
    tickets: int = 0
    id_numbers: int = 0

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


def retention_days(store: Store, default: int = DEFAULT_DAYS) -> tuple[int, bool]:
    """The site's period in days, and whether head office set it (else ``default``)."""
    site = json.loads(kv.get(store, "site.settings") or "{}")
    checkin = site.get("checkin", {}) if isinstance(site, dict) else {}
    pushed = checkin.get("retention_days") if isinstance(checkin, dict) else None
    if isinstance(pushed, int) and not isinstance(pushed, bool) and pushed > 0:
        return pushed, True
    return default, False


def purge_before(
    store: Store,
    cutoff: datetime,
    *,
    site_id: str,
    kiosk_id: str,
    id_cutoff: datetime | None = None,
) -> PurgeCounts:
    """Anonymise what is older than ``cutoff``, and ID numbers older than ``id_cutoff`` (the
    later of the two holds), in one transaction with its audit entry."""
    text = iso(cutoff)
    id_cutoff = max(cutoff, id_cutoff) if id_cutoff is not None else cutoff
    with store.transaction() as tx:
        counts = PurgeCounts(
            visits=purge.visits(tx, text),
            corrections=purge.corrections(tx, text),
            visitors=purge.visitors(tx, text),
            invitations=purge.invitations(tx, text),
            deliveries=purge.deliveries(tx, text),
            print_jobs=purge.print_jobs(tx, text),
            payloads=purge.payloads(tx, text),
            tickets=purge.tickets(tx, text),
            id_numbers=id_numbers.purge_before(tx, id_cutoff),
        )
        if counts.total:
            audit.record(
                tx,
                audit.SYSTEM,
                "privacy.purge",
                site_id=site_id,
                kiosk_id=kiosk_id,
                subject_kind="site",
                subject_id=site_id,
                reason=f"retention: before {text}",
                details={k: str(v) for k, v in asdict(counts).items()},
            )
    if counts.total:
        log.info("retention purge before %s: %s", text, asdict(counts))
    return counts


class PurgeWorker(Worker):
    """Purges what is past the site's retention period, every ``check_every`` clock seconds."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        site_id: str,
        kiosk_id: str,
        default_days: int = DEFAULT_DAYS,
        id_days: int | None = None,
        check_every: float = 3600.0,
    ) -> None:
        super().__init__(name="retention-purge", clock=clock)
        self.store = store
        self.site_id = site_id
        self.kiosk_id = kiosk_id
        self.default_days = default_days
        #: days ID numbers are kept (``[checkin] id_retention_days``; None: the site's period)
        self.id_days = id_days
        self.check_every = check_every
        self._last: datetime | None = None
        #: what the latest purge changed (None before the first)
        self.last_counts: PurgeCounts | None = None

    def run_once(self) -> bool:
        now = self.clock.now()
        if self._last is not None and (now - self._last).total_seconds() < self.check_every:
            return False
        self._last = now
        days, _ = retention_days(self.store, self.default_days)
        id_days = min(days, self.id_days) if self.id_days else days
        with self.store.session():
            self.last_counts = purge_before(
                self.store,
                now - timedelta(days=days),
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                id_cutoff=now - timedelta(days=id_days),
            )
        return False

    def due_in(self) -> float | None:
        if self._last is None:
            return 0.0
        return max(0.0, self.check_every - (self.clock.now() - self._last).total_seconds())

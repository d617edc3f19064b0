"""Privacy benchmarks.

crypto_overhead  the check-in commit (the confirm tap's work until the visit, the visitor and
                 the event are committed to a real SQLite file, WAL, synchronous=FULL) with the
                 personal fields sealed (``privacy/fields.py``) against the same on a store that
                 keeps them in clear (``PlainFields``), in one run, interleaved so both see the
                 same disk; the headline value is the ratio of the medians. Budget 1.3.
purge_day        the kiosk's retention purge of one busy day (5,000 check-ins and their
                 outbox events, sealed, through the real check-in use case) once past the
                 period: median seconds of ``purge_before`` over 3 copies of the database.
                 Budget 5 s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.keys.blind_index import KeyedCodec
from kiosk.core.privacy.fields import PlainFields
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinForm, CheckinService


def _service(path: Path, *, sealed: bool) -> CheckinService:
    store = Store(path) if sealed else Store(path, fields=PlainFields())
    records = Records(store, KeyedCodec(store))
    import_directory(records, demo_directory())
    return CheckinService(records=records, settings=load_settings(environ={}), clock=store.clock)


def crypto_overhead(runs: int = 300) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-crypto-") as tmp:
        sealed = _service(Path(tmp) / "sealed" / "kiosk.sqlite3", sealed=True)
        clear = _service(Path(tmp) / "clear" / "kiosk.sqlite3", sealed=False)
        samples: dict[bool, list[float]] = {True: [], False: []}
        try:
            for i in range(runs):
                for on, service in ((True, sealed), (False, clear)):
                    form = CheckinForm(
                        name=f"访客{i}",
                        phone=f"139{i:08d}",
                        company="星辰科技",
                        purpose="meeting",
                        host_id="h001",
                        consent=True,
                    )
                    started = time.perf_counter()
                    service.check_in(form)
                    samples[on].append((time.perf_counter() - started) * 1000)
        finally:
            sealed.store.close()
            clear.store.close()
    with_ms, without_ms = statistics.median(samples[True]), statistics.median(samples[False])
    return {
        "value": round(with_ms / without_ms, 3),
        "unit": "ratio",
        "budget": 1.3,
        "sealed_ms": round(with_ms, 3),
        "clear_ms": round(without_ms, 3),
        "runs": runs,
    }


def purge_day(visits: int = 5000, runs: int = 3) -> dict:
    import shutil
    from datetime import UTC, datetime, timedelta

    from kiosk.core.config.clock import FakeClock
    from kiosk.core.privacy.retention import purge_before

    with tempfile.TemporaryDirectory(prefix="bench-purge-") as tmp:
        day = Path(tmp) / "day"
        clock = FakeClock(datetime(2026, 11, 2, 0, 30, tzinfo=UTC))
        store = Store(day / "kiosk.sqlite3", clock=clock)
        records = Records(store, KeyedCodec(store))
        import_directory(records, demo_directory())
        settings = load_settings(environ={})
        service = CheckinService(records=records, settings=settings, clock=clock)
        for i in range(visits):
            form = CheckinForm(
                name=f"访客{i}",
                phone=f"139{i:08d}",
                company="星辰科技",
                purpose=settings.checkin.purposes[i % len(settings.checkin.purposes)],
                host_id="h001",
                consent=True,
            )
            visit = service.check_in(form).visit
            service.check_out(visit.id)
            clock.advance(8.0)
        top = store.query_one("SELECT max(seq) FROM outbox")[0]
        for consumer in ("printer", "notifier", "sync"):  # every consumer has handled the day
            store.advance(consumer, top)
        store.close()
        samples, counts = [], None
        for n in range(runs):
            copy = Path(tmp) / f"run{n}"
            shutil.copytree(day, copy)
            later = FakeClock(clock.now() + timedelta(days=31))
            store = Store(copy / "kiosk.sqlite3", clock=later)
            started = time.perf_counter()
            counts = purge_before(
                store, later.now() - timedelta(days=30), site_id="demo", kiosk_id="bench"
            )
            samples.append(time.perf_counter() - started)
            store.close()
    assert counts is not None and counts.visitors == visits, counts
    return {
        "value": round(statistics.median(samples), 3),
        "unit": "s",
        "budget": 5,
        "visits": visits,
        "payloads": counts.payloads,
        "runs": runs,
    }


BENCHMARKS = {"crypto_overhead": crypto_overhead, "purge_day": purge_day}

"""``new_kiosk_catch_up``: how long a kiosk enrolled after a year of use takes to be ready.

A site's feed with ``HISTORY`` changes of directory history (departments and hosts edited
again and again, hosts moved and deleted, watchlist entries added and removed, invitations:
``tests/support/feed_history.py``) and ``LIVE`` live entities, all a year old, on a real
``kiosk-server serve`` process (SQLite, its defaults). A new kiosk, enrolled through the real
route, runs its real sync worker's rounds until the feed is drained: seconds and changes read,
before compaction and after ``compact_site`` (``kiosk-server compact-feed``), in the same run;
both kiosks must end with the same directory. Goal: ≤ 10 s after compaction.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HISTORY = 200_000
LIVE = 20_000
SITE = "bench"


def _catch_up(server_url: str, code: str, folder: Path) -> tuple[float, int, Any]:
    from tests.support.harness import enrolled_kiosk

    kiosk = enrolled_kiosk(server_url, code, folder)
    started = time.perf_counter()
    pulled = 0
    while (result := kiosk.client.sync_once()).pulled:
        pulled += result.pulled
    elapsed = time.perf_counter() - started
    state = (
        {h.id: (h.department_id, h.name_zh) for h in kiosk.records.hosts(SITE)},
        {d.id: d.name_zh for d in kiosk.records.departments(SITE)},
        {r["id"] for r in kiosk.store.query("SELECT id FROM watchlist")},
    )
    kiosk.close()
    return elapsed, pulled, state


def new_kiosk_catch_up() -> dict[str, Any]:
    from sync.server.compaction import compact_site
    from tests.support.feed_history import History
    from tests.support.harness import HeadOffice, ServerProcess

    with tempfile.TemporaryDirectory(prefix="bench-feed-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'head-office.sqlite3'}"
        ho = HeadOffice(url)
        ho.add_site(SITE, "基准", "Bench")
        history = History(SITE)
        history.write(ho.sessions, HISTORY, live_target=LIVE, batch=5000)
        history.age(ho.sessions, days=365)
        live = len(history.hosts) + len(history.departments) + len(history.watchlist)
        server = ServerProcess(url, log_path=folder / "server.log").start()
        try:
            before, read_before, state_before = _catch_up(
                server.url, ho.add_kiosk(SITE), folder / "before"
            )
            started = time.perf_counter()
            with ho.sessions() as s, s.begin():
                done = compact_site(s, SITE, datetime.now(UTC))
            compaction = time.perf_counter() - started
            after, read_after, state_after = _catch_up(
                server.url, ho.add_kiosk(SITE), folder / "after"
            )
        finally:
            server.stop()
            ho.close()
    if state_after != state_before or set(state_after[0]) != set(history.hosts):
        raise RuntimeError("the kiosk that read the compacted feed has another directory")
    return {
        "value": round(after, 2),
        "unit": "s",
        "budget": 10.0,
        "changes_read": read_after,
        "before_s": round(before, 2),
        "before_changes_read": read_before,
        "compaction_s": round(compaction, 2),
        "history_changes": HISTORY,
        "live_entities": live,
        "compacted_removed": done.removed,
    }


BENCHMARKS = {"new_kiosk_catch_up": new_kiosk_catch_up}

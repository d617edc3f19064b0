"""A kiosk process for the emergency tests: the app's own wiring (``build_services``) with
every worker running (the peer server and sender among them) except sync, whose rounds the
test asks for (``sync``). Reads one JSON command a line on stdin, answers one JSON line:

    {"do": "state"} | {"do": "start", "drill": true} | {"do": "checkin", "name": ...}
    {"do": "rollcall"} | {"do": "mark", "person_id": ..., "status": ...} | {"do": "sync"}
    {"do": "refused"} | {"do": "entries"} | {"do": "peers"} | {"do": "quit"}

Usage: python -m tests.support.emergency_child DATA_DIR (settings from ``KIOSK_*``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from kiosk.core.config.settings import load_settings
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import build_services


def main() -> None:
    settings = load_settings(environ=dict(os.environ))
    services = build_services(settings, start_workers=False)
    settings = services.settings  # with what enrollment set (site, kiosk id)
    for worker in services.workers:
        if worker is not services.sync:
            worker.start()
    emergency = services.emergency
    mode = emergency.mode
    switched_at: list[float] = []
    mode.on_change(lambda incident: switched_at.append(time.time()) if incident else None)
    print(json.dumps({"ready": True, "kiosk_id": settings.kiosk.id}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        do = cmd["do"]
        out: dict[str, Any] = {}
        if do == "state":
            incident = mode.current()
            out = {
                "active": incident is not None,
                "switched": sorted(incident.switched) if incident else [],
                "first_change_at": switched_at[0] if switched_at else None,
                "has_key": emergency.exchange.key() is not None,
            }
        elif do == "start":
            mode.start(by="st-drill", role="supervisor", emergency="fire", drill=cmd["drill"])
            out = {"started_at": time.time()}
        elif do == "checkin":
            host = services.records.hosts(settings.site.id)[0]
            form = CheckinForm(
                name=cmd["name"],
                phone=cmd["phone"],
                purpose="meeting",
                host_id=host.id,
                consent=True,
            )
            out = {"visit_id": services.checkin.check_in(form).visit.id}
        elif do == "rollcall":
            out = {
                "lines": [
                    {"person_id": x.person.person_id, "name": x.person.name, "status": x.status}
                    for x in mode.roll_call().lines
                ]
            }
        elif do == "mark":
            mode.mark(by="st-b", person_id=cmd["person_id"], status=cmd["status"])
        elif do == "sync":
            assert services.sync is not None
            services.sync.sync_once()
            row = services.store.query_one("SELECT count(*) FROM outbox")
            out = {"events": row[0] if row else 0}
        elif do == "refused":
            out = {"refused": emergency.exchange.refused}
        elif do == "peers":  # whom the sender exchanges with (configured, then discovered)
            sender = emergency.sender
            out = {"peers": [f"{h}:{p}" for h, p in sender.targets()] if sender else []}
        elif do == "entries":
            out = {"entries": sorted(e for _, _, e in _ids(mode))}
        elif do == "quit":
            break
        print(json.dumps(out), flush=True)
    services.stop()


def _ids(mode: Any) -> list[tuple[str, str, str]]:
    return [(s, k, p["entry_id"]) for s, k, p in mode.shared_entries()]


if __name__ == "__main__":
    main()

"""A kiosk in a process of its own, for tests across processes: the app's own wiring
(``build_services``, its workers started, the sync worker with its held pull as the settings
give it), for a data folder already enrolled with head office. Driven by lines on stdin,
answering on stdout:

- ``checkin PHONE``: a walk-in visitor checked in; prints ``checked_in VISIT_ID WALL_TIME``
  once the visit is committed (the sync worker is woken by the commit and pushes it);
- ``quit``: stops the workers.

Every page the sync worker applies prints ``pulled WALL_TIME KIND,KIND…`` (``on_pulled``).
``python -m tests.support.kiosk_process DATA_DIR``
"""

from __future__ import annotations

import sys
import time

from kiosk.core.config.settings import load_settings
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import build_services


def main(data_dir: str) -> int:
    settings = load_settings(environ={}).replace("kiosk", data_dir=data_dir)
    settings = settings.replace("printer", backend="file")
    settings = settings.replace("checkin", required_fields=("name", "phone", "purpose"))
    services = build_services(settings, start_workers=False)
    assert services.sync is not None, "not enrolled"
    services.sync.on_pulled(
        lambda kinds: print(f"pulled {time.time():.6f} {','.join(sorted(kinds))}", flush=True)
    )
    services.start()
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            command, *args = line.split()
            if command == "quit":
                break
            if command == "checkin":
                form = CheckinForm(name="访客", phone=args[0], purpose="meeting", consent=True)
                result = services.checkin.check_in(form)
                print(f"checked_in {result.visit.id} {time.time():.6f}", flush=True)
    finally:
        services.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

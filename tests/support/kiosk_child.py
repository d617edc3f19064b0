"""A kiosk process as the app runs it, without the window: the app's own wiring
(``build_services``) with every worker started, sync on its own loop at its configured
interval, so its health reports go out as in the field. Prints one JSON line when ready and
runs until stdin closes or says ``quit``.

Usage: python -m tests.support.kiosk_child (settings from ``KIOSK_*``, the data directory of
an enrolled kiosk among them).
"""

from __future__ import annotations

import json
import os
import sys

from kiosk.core.config.settings import load_settings
from kiosk.services import build_services


def main() -> None:
    services = build_services(load_settings(environ=dict(os.environ)), start_workers=False)
    services.start()
    print(json.dumps({"ready": True, "kiosk_id": services.settings.kiosk.id}), flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "quit":
                break
    finally:
        services.stop()


if __name__ == "__main__":
    main()

"""``python -m kiosk.core.events --doc``: regenerate docs/events.md from the models."""

import sys

from .doc import main

raise SystemExit(main(sys.argv[1:]))

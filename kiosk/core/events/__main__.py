"""``python -m kiosk.core.events --doc``: regenerate docs/events.md from the models."""

import sys

from kiosk.core.events.doc import main

raise SystemExit(main(sys.argv[1:]))

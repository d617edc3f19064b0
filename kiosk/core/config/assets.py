"""Where the kiosk's packaged data lives: ``kiosk/assets`` (catalogues, badge templates, the
input method's index, the demo building and directory)."""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"

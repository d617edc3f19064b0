"""The accessibility switch on the home screen and every check-in step, and its panel.

``AccessBar`` holds two buttons, drawn the same wherever they appear: "无障碍 / Accessibility"
(an icon and both languages, so a visitor finds it whichever language is on show) opens
``AccessPanel``, three toggles bound to the app's one theme (kiosk/shell/theme.py); and the
speaker button reads the screen's instruction aloud (``app.speak``, off the UI thread). The
speaker button is only shown when the kiosk has a voice (espeak-ng installed).

Only displays and switches: what each mode does lives in the theme and the kv rules.
"""

from __future__ import annotations

import os

from kivy.factory import Factory
from kivy.lang import Builder
from kivy.uix.modalview import ModalView


class AccessPanel(ModalView):
    """Large text, high contrast, lowered (and the speech mode, where the kiosk has a voice):
    each a toggle in force as soon as it is tapped."""


Factory.register("AccessPanel", cls=AccessPanel)
Builder.load_file(os.path.join(os.path.dirname(__file__), "access.kv"))

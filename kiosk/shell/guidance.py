"""Spoken guidance in the shell: the speaker button reads the screen's instruction aloud.

The app's ``services.speaker`` (kiosk.core.speech, built by ``build_services``; a test hands
its own) speaks on a worker of its own (``Background``, the shell's one off-UI-thread
mechanism), so a voice that takes seconds never holds a frame, nor the badge previews and
maps of the shell's main background thread. A new tap cuts off what is still being said.

Must never: call the speaker on the UI thread, or fail the kiosk when it has no voice.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.shell.background import Background

log = logging.getLogger(__name__)


class SpokenGuidance:
    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self._worker = Background(name="speech")

    @property
    def speaker(self) -> Any:
        return self.shell.services.speaker

    @property
    def available(self) -> bool:
        return self.speaker is not None

    def speak(self, screen: Any = None) -> bool:
        """Read ``screen``'s (default: the current screen's) instruction in the language on
        show; False when there is no voice or nothing to read."""
        speaker = self.speaker
        screen = screen or self.shell.manager.current_screen
        instruction = getattr(screen, "instruction", None)
        text = instruction() if callable(instruction) else ""
        if speaker is None or not text:
            return False
        lang = self.shell.lang
        speaker.stop()  # a signal to the running voice, not a wait
        self._worker.run("speak", lambda: speaker.say(text, lang), lambda _result: None)
        return True

    def silence(self) -> None:
        """Stop speaking (the kiosk went home: the next visitor hears nothing of the last)."""
        self._worker.cancel("speak")
        if self.speaker is not None:
            self.speaker.stop()

    def stop(self) -> None:
        self.silence()
        self._worker.stop(timeout=1.0)

"""Spoken guidance in the shell: each visitor screen's title and hint read aloud.

Two ways to hear a screen: the speaker button reads it on request (``speak``), and the speech
mode (the accessibility panel's toggle, ``[kiosk] spoken_guidance`` for a kiosk that starts
with it on) reads every visitor screen on entry (``entered``), and again in the other
language after a switch. A new screen or tap cuts off what is still being said; going home
stops it and puts the mode back to the kiosk's default.

The app's ``services.speaker`` (kiosk.core.speech, built by ``build_services``; a test hands
its own) speaks on a worker of its own (``Background``, the shell's one off-UI-thread
mechanism), so a voice that takes seconds never holds a frame, nor the badge previews and
maps of the shell's main background thread. When it finds no audio device, the speaker
button and the toggle go away (kiosk/shell/audio.py logged it once).

Must never: call the speaker's ``say`` on the UI thread, speak a console screen, or fail the
kiosk when it has no voice.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.shell.background import Background
from kiosk.shell.reception import CONSOLE, CONSOLE_ENTRY

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
        speaker = self.speaker
        player = getattr(speaker, "player", None)
        return speaker is not None and getattr(player, "usable", True)

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
        self._worker.run("speak", lambda: speaker.say(text, lang), self._spoken)
        return True

    def entered(self, screen: Any) -> bool:
        """``screen`` is now on show: read it if the speech mode is on and it is a visitor's."""
        if not self.shell.speech_on or screen.name in (*CONSOLE, *CONSOLE_ENTRY):
            return False
        return self.speak(screen)

    def switch(self, on: bool) -> None:
        """The panel's toggle: on reads the screen on show at once (so the visitor hears
        that it works), off stops the voice."""
        self.shell.speech_on = on
        if on:
            self.entered(self.shell.manager.current_screen)
        else:
            self.silence()

    def silence(self) -> None:
        """Stop speaking (the kiosk went home: the next visitor hears nothing of the last)."""
        self._worker.cancel("speak")
        if self.speaker is not None:
            self.speaker.stop()

    def stop(self) -> None:
        self.silence()
        self._worker.stop(timeout=1.0)

    def _spoken(self, _heard: Any) -> None:
        # on the UI thread: a player that found no audio device takes the buttons away
        if not self.available:
            self.shell.speech_available = False
            self.shell.speech_on = False

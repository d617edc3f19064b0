"""The kiosk's audio output: a WAV file played through SDL audio (Kivy's ``audio_sdl2``
provider, the SDL2 and SDL2_mixer that Kivy's wheel bundles with the window).

``SdlPlayer.play`` runs on the speech worker (kiosk/shell/guidance.py): SDL opens the audio
device there on first use, which can take a while with a sound server, and the worker then
waits out the sound; ``stop`` only sets an event, so the UI thread that calls it never waits.
A kiosk without an audio device (no sound card, ``SDL_AUDIODRIVER`` naming none) logs that
once and stays silent: no later utterance tries the device again, no exception leaves here.

Must never: be called on the UI thread for ``play``, or raise into the Kivy loop.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: seconds past a sound's own length before the player stops waiting for it
MARGIN = 0.3


class SdlPlayer:
    def __init__(self) -> None:
        self._cut = threading.Event()
        #: False once SDL found no audio device: the kiosk stays silent from then on
        self.usable = True

    def play(self, path: Path, *, limit: float) -> bool:
        if not self.usable:
            return False
        self._cut.clear()
        try:
            sound = self._load(path)
        except Exception:  # a broken audio stack must not end the speech worker
            log.exception("SDL audio failed: spoken guidance is silent from now on")
            self.usable = False
            return False
        if sound is None:
            return False
        try:
            sound.play()
            self._cut.wait(min(sound.length, limit) + MARGIN)
        finally:
            sound.stop()
            sound.unload()
        return True

    def stop(self) -> None:
        self._cut.set()

    def _load(self, path: Path) -> Any:
        from kivy.core.audio.audio_sdl2 import SoundSDL2

        sound = SoundSDL2(source=str(path))
        if sound.length > 0:
            return sound
        # Kivy logged SDL's reason (no device, most likely): say what it means, once
        self.usable = False
        log.warning("no audio device (SDL audio could not open one): spoken guidance is silent")
        sound.unload()
        return None

"""Spoken guidance: a screen's instruction read aloud in Chinese or English, with espeak-ng.

``Speaker`` is the boundary: ``say(text, lang)`` speaks and returns when done (it runs on the
shell's speech worker, never on the UI thread), ``stop()`` cuts off what is being spoken (the
visitor moved on, tapped again or went home): a signal, never a wait. ``EspeakSpeaker`` has
the Debian package ``espeak-ng`` write the speech as a WAV file (``render``) and hands it to
a ``Player``, the kiosk's audio output (kiosk/shell/audio.py: SDL audio, the same SDL the
window uses). ``build_speaker()`` is None where espeak-ng is not installed: the kiosk works
silently and says so once in the log; a player without an audio device does the same.

Must never: import Kivy, or be called from the UI thread (a voice takes seconds).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

#: espeak-ng voice per kiosk language (cmn: Mandarin, read from the characters themselves)
VOICES = {"zh_CN": "cmn", "en": "en-gb"}
#: words per minute: a little slower than espeak-ng's 175, for a visitor in a noisy lobby
SPEED = 150
#: seconds one instruction may take to render or to speak before it is cut off
MAX_SECONDS = 30.0

_told_missing = False


class Speaker(Protocol):
    def say(self, text: str, lang: str) -> bool: ...

    def stop(self) -> None: ...


class Player(Protocol):
    """Plays a WAV file: ``play`` returns when it has been heard (True), was cut off by
    ``stop`` (True) or cannot be played, e.g. no audio device (False); ``stop`` only signals."""

    def play(self, path: Path, *, limit: float) -> bool: ...

    def stop(self) -> None: ...


class EspeakSpeaker:
    """espeak-ng renders, the player plays: one utterance at a time, the newest one wins."""

    def __init__(self, executable: str, player: Player | None = None) -> None:
        self.executable = executable
        self.player = player
        self._lock = threading.Lock()
        self._running: subprocess.Popen[bytes] | None = None
        #: bumped by every ``stop``: an utterance rendered after it was cut off is not played
        self._generation = 0

    def command(self, text: str, lang: str, *, wav: Path | None = None) -> list[str]:
        voice = VOICES.get(lang, VOICES["en"])
        out = ["-w", str(wav)] if wav is not None else []
        # "--" so a text starting with "-" is never read as an option
        return [self.executable, "-v", voice, "-s", str(SPEED), *out, "--", text]

    def say(self, text: str, lang: str) -> bool:
        """Speak ``text`` through the player; False when nothing was heard (no player or
        audio device, espeak-ng failed, or a newer utterance cut this one off first)."""
        if self.player is None:
            return False
        with self._lock:
            generation = self._generation
        with tempfile.TemporaryDirectory(prefix="kiosk-speech-") as folder:
            wav = Path(folder) / "speech.wav"
            if not self._run(self.command(text, lang, wav=wav)) or not wav.exists():
                return False
            with self._lock:
                if generation != self._generation:
                    return False  # cut off while rendering: the newer one speaks
            return self.player.play(wav, limit=MAX_SECONDS)

    def render(self, text: str, lang: str, path: Path) -> Path:
        """The speech as a WAV file at ``path`` (what ``say`` plays)."""
        self._run(self.command(text, lang, wav=path))
        return path

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
            running = self._running
        if running is not None and running.poll() is None:
            running.terminate()
        if self.player is not None:
            self.player.stop()

    def _run(self, command: list[str]) -> bool:
        try:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as e:
            log.warning("espeak-ng could not start: %s", e)
            return False
        with self._lock:
            self._running = process
        try:
            _out, err = process.communicate(timeout=MAX_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            log.warning("espeak-ng took over %.0f s: cut off", MAX_SECONDS)
            return False
        finally:
            with self._lock:
                if self._running is process:
                    self._running = None
        if process.returncode == -15:  # stopped by a newer utterance (SIGTERM)
            return False
        if process.returncode != 0:
            log.warning(
                "espeak-ng failed (%s): %s", process.returncode, err.decode(errors="replace")[:200]
            )
            return False
        return True


def build_speaker(
    executable: str | None = None, *, player: Player | None = None
) -> EspeakSpeaker | None:
    """espeak-ng playing through ``player`` if it is installed, else None (logged once per
    process)."""
    global _told_missing
    found = executable or shutil.which("espeak-ng")
    if found is None:
        if not _told_missing:
            _told_missing = True
            log.info("espeak-ng is not installed: spoken guidance is off (apt install espeak-ng)")
        return None
    return EspeakSpeaker(found, player)

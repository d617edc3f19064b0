"""Spoken guidance: a screen's instruction read aloud in Chinese or English, with espeak-ng.

``Speaker`` is the boundary: ``say(text, lang)`` speaks and returns when done (it runs on the
shell's speech worker, never on the UI thread), ``stop()`` cuts off what is being spoken (the
visitor tapped again, or went home). ``EspeakSpeaker`` runs the Debian package ``espeak-ng``
(its own audio output); ``render(text, lang, path)`` writes the same speech to a WAV file.
``build_speaker()`` is None where espeak-ng is not installed: the kiosk works silently and
says so once in the log.

Must never: import Kivy, or be called from the UI thread (a voice takes seconds).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

#: espeak-ng voice per kiosk language (cmn: Mandarin, read from the characters themselves)
VOICES = {"zh_CN": "cmn", "en": "en-gb"}
#: words per minute: a little slower than espeak-ng's 175, for a visitor in a noisy lobby
SPEED = 150
#: seconds one instruction may take to speak before it is cut off
MAX_SECONDS = 30.0

_told_missing = False


class Speaker(Protocol):
    def say(self, text: str, lang: str) -> None: ...

    def stop(self) -> None: ...


class EspeakSpeaker:
    """espeak-ng as a subprocess: one utterance at a time, the newest one wins."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self._lock = threading.Lock()
        self._running: subprocess.Popen[bytes] | None = None

    def command(self, text: str, lang: str, *, wav: Path | None = None) -> list[str]:
        voice = VOICES.get(lang, VOICES["en"])
        out = ["-w", str(wav)] if wav is not None else []
        # "--" so a text starting with "-" is never read as an option
        return [self.executable, "-v", voice, "-s", str(SPEED), *out, "--", text]

    def say(self, text: str, lang: str) -> None:
        self._run(self.command(text, lang))

    def render(self, text: str, lang: str, path: Path) -> Path:
        """The speech as a WAV file at ``path`` (what ``say`` would play)."""
        self._run(self.command(text, lang, wav=path))
        return path

    def stop(self) -> None:
        with self._lock:
            running = self._running
        if running is not None and running.poll() is None:
            running.terminate()

    def _run(self, command: list[str]) -> None:
        self.stop()
        try:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as e:
            log.warning("espeak-ng could not start: %s", e)
            return
        with self._lock:
            self._running = process
        try:
            _out, err = process.communicate(timeout=MAX_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            log.warning("espeak-ng took over %.0f s: cut off", MAX_SECONDS)
            return
        finally:
            with self._lock:
                if self._running is process:
                    self._running = None
        if process.returncode not in (0, -15):  # -15: stopped by a newer tap (SIGTERM)
            # no audio device on this kiosk, most likely: it keeps working without a voice
            log.warning(
                "espeak-ng failed (%s): %s", process.returncode, err.decode(errors="replace")[:200]
            )


def build_speaker(executable: str | None = None) -> EspeakSpeaker | None:
    """espeak-ng if it is installed, else None (logged once per process)."""
    global _told_missing
    found = executable or shutil.which("espeak-ng")
    if found is None:
        if not _told_missing:
            _told_missing = True
            log.info("espeak-ng is not installed: spoken guidance is off (apt install espeak-ng)")
        return None
    return EspeakSpeaker(found)

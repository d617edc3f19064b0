"""Spoken guidance with the real espeak-ng: Chinese and English speech rendered to WAV files
that hold audible sound, and a kiosk without espeak-ng that says so once and stays silent."""

from __future__ import annotations

import array
import logging
import math
import shutil
import wave

import pytest

from kiosk.core import speech
from kiosk.core.config.i18n import translate

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (scripts/debian-packages.txt lists it for the tests)",
)


def _audio(path):
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2 and wav.getnchannels() == 1
        seconds = wav.getnframes() / wav.getframerate()
        samples = array.array("h", wav.readframes(wav.getnframes()))
    rms = math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))
    return seconds, rms


@needs_espeak
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_espeak_ng_speaks_the_phone_steps_instruction_to_a_wav_that_is_not_silence(tmp_path, lang):
    speaker = speech.build_speaker()
    assert speaker is not None
    text = translate("phone.title", lang) + " " + translate("phone.hint", lang)
    out = speaker.render(text, lang, tmp_path / f"phone-{lang}.wav")
    seconds, rms = _audio(out)
    assert seconds > 1.0, f"{seconds:.2f} s of speech for {text!r}"
    assert rms > 300, f"RMS {rms:.0f}: silence"


@needs_espeak
def test_the_chinese_voice_reads_characters_not_letter_names(tmp_path):
    # the Mandarin voice speaks 请输入手机号 as syllables; an English voice would spell out
    # "Chinese letter" for each character, a much longer sound
    speaker = speech.build_speaker()
    zh, _ = _audio(speaker.render("请输入手机号", "zh_CN", tmp_path / "zh.wav"))
    en, _ = _audio(speaker.render("请输入手机号", "en", tmp_path / "en.wav"))
    assert 0.5 < zh < en


def test_without_espeak_ng_there_is_no_speaker_and_the_log_says_so_once(monkeypatch, caplog):
    monkeypatch.setattr(speech.shutil, "which", lambda _name: None)
    monkeypatch.setattr(speech, "_told_missing", False)
    with caplog.at_level(logging.INFO, logger="kiosk.core.speech"):
        assert speech.build_speaker() is None
        assert speech.build_speaker() is None
    told = [r for r in caplog.records if "espeak-ng is not installed" in r.getMessage()]
    assert len(told) == 1


def test_a_text_is_never_read_as_an_option():
    speaker = speech.EspeakSpeaker("/usr/bin/espeak-ng")
    command = speaker.command("-w /etc/passwd", "zh_CN")
    assert command[-2:] == ["--", "-w /etc/passwd"]
    assert command[command.index("-v") + 1] == "cmn"


#: the child process: espeak-ng's WAV played by the kiosk's SDL player (kiosk/shell/audio.py)
#: under the SDL audio driver the test chooses; prints what each ``say`` returned
_PLAY = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s %(message)s")
from kiosk.core.speech import build_speaker
from kiosk.shell.audio import SdlPlayer
speaker = build_speaker(player=SdlPlayer())
print("said", *(speaker.say(text, "zh_CN") for text in sys.argv[1:]))
"""


def _play_in_child(tmp_path, driver: str, *texts: str) -> str:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "SDL_AUDIODRIVER": driver,
        "SDL_DISKAUDIOFILE": str(tmp_path / "out.raw"),
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(tmp_path / "kivy"),
    }
    done = subprocess.run(
        [sys.executable, "-c", _PLAY, *texts], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@needs_espeak
def test_the_speech_plays_through_sdl_audio(tmp_path):
    # SDL's "disk" driver is a real SDL audio device that writes what it plays to a file:
    # the samples that reach it are the speech, not silence
    out = _play_in_child(tmp_path, "disk", "请输入手机号")
    assert "said True" in out, out
    raw = array.array("h", (tmp_path / "out.raw").read_bytes())
    rms = math.sqrt(sum(s * s for s in raw) / max(1, len(raw)))
    assert len(raw) > 44100, f"{len(raw)} samples reached the audio device"
    assert rms > 300, f"RMS {rms:.0f}: SDL played silence"


@needs_espeak
def test_without_an_audio_device_the_kiosk_says_so_once_and_stays_silent(tmp_path):
    out = _play_in_child(tmp_path, "no-such-device", "请输入手机号", "您的姓名")
    assert "said False False" in out, out
    told = [line for line in out.splitlines() if "no audio device" in line]
    assert len(told) == 1, out

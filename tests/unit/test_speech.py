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

"""Every message key exists in every language, and every key the code uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.core.config.i18n import LANGUAGES, LOCALE_DIR, catalogue

ROOT = Path(__file__).resolve().parents[2]


def test_every_key_is_translated_in_every_language():
    keys = {lang: catalogue(lang) for lang in LANGUAGES}
    all_keys = set().union(*keys.values())
    for lang, messages in keys.items():
        missing = sorted(all_keys - set(messages))
        empty = sorted(k for k, v in messages.items() if not v.strip())
        assert not missing, f"{lang} lacks {missing}"
        assert not empty, f"{lang} has empty translations for {empty}"


def test_each_catalogue_file_exists_in_every_language():
    names = {
        lang: {p.name for p in (LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")}
        for lang in LANGUAGES
    }
    assert names["zh_CN"] == names["en"]


def _placeholders(text: str) -> set[str]:
    """A text's placeholders; ``name_zh`` / ``name_en`` (a name given in both languages, each
    text showing its own) count as ``name``."""
    return {re.sub(r"_(zh|en)$", "", p) for p in re.findall(r"{(\w+)}", text)}


def test_placeholders_agree_between_languages():
    zh, en = catalogue("zh_CN"), catalogue("en")
    for key in zh:
        assert _placeholders(zh[key]) == _placeholders(en[key]), key


_USE = re.compile(r"""(?:app\.t|self\.t|shell\.t|\bt)\(\s*['"]([a-z_]+(?:\.[a-z0-9_]+)+)['"]""")


def test_every_key_the_screens_use_exists():
    known = set(catalogue("en"))
    used: set[str] = set()
    for path in [*(ROOT / "kiosk").rglob("*.kv"), ROOT / "kiosk.kv"]:
        used |= set(_USE.findall(path.read_text(encoding="utf-8")))
    for path in (ROOT / "kiosk").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(_USE.findall(text))
        used |= set(re.findall(r"""key=['"]([a-z_]+(?:\.[a-z0-9_]+)+)['"]""", text))
        used |= set(re.findall(r"""message_key = ['"]([a-z_]+(?:\.[a-z0-9_]+)+)['"]""", text))
    assert used, "the scan found no keys: the pattern is broken"
    missing = sorted(k for k in used if k not in known)
    assert not missing, f"keys used but not in the catalogues: {missing}"


def test_purposes_and_required_fields_have_messages():
    from kiosk.core.config.settings import CheckinSettings

    known = set(catalogue("en"))
    for purpose in CheckinSettings().purposes:
        assert f"purpose.{purpose}" in known
    for field in ("name", "phone", "company", "purpose", "host", "consent"):
        assert f"checkin.required.{field}" in known

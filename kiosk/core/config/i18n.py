"""Message catalogues: every string a visitor or receptionist reads, in zh_CN and en.

Catalogues are gettext ``.po`` files under ``kiosk/assets/locale/<lang>/LC_MESSAGES/``, one
file per area (``kiosk.po``, ``checkin.po``, ``badges.po`` …), keyed by symbolic ids such as
``home.check_in``. Placeholders use ``str.format`` syntax: ``{name}``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kiosk.core.config.assets import ASSETS_DIR

LOCALE_DIR = ASSETS_DIR / "locale"
LANGUAGES = ("zh_CN", "en")


def _read_po(path: Path) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh)
    out: dict[str, str] = {}
    for message in catalog:
        if message.id and isinstance(message.id, str) and isinstance(message.string, str):
            out[message.id] = message.string
    return out


@cache
def catalogue(lang: str, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    """All messages of one language, from every ``.po`` file of that language."""
    messages: dict[str, str] = {}
    folder = locale_dir / lang / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")):
        messages.update(_read_po(po))
    return messages


class Translator:
    """``t(key, **params)`` in the current language; language switchable at any time."""

    def __init__(self, lang: str = "zh_CN", locale_dir: Path = LOCALE_DIR) -> None:
        self.locale_dir = locale_dir
        self.lang = lang

    def t(self, key: str, lang: str | None = None, **params: object) -> str:
        return translate(key, lang or self.lang, self.locale_dir, **params)

    __call__ = t


def translate(key: str, lang: str, locale_dir: Path = LOCALE_DIR, **params: object) -> str:
    """The message for ``key`` in ``lang``; the key itself if missing (a test forbids that)."""
    text = catalogue(lang, locale_dir).get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def both(key: str, **params: object) -> str:
    """ "中文 English" on one line, for the few places that show both languages at once."""
    zh = translate(key, "zh_CN", LOCALE_DIR, **params)
    en = translate(key, "en", LOCALE_DIR, **params)
    return zh if zh == en else f"{zh}  {en}"

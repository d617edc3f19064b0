"""The Help screen's FAQ: a short bilingual list the site edits as a file.

The file (``[tickets] faq_file``; empty = the one shipped in ``kiosk/assets/faq.json``) is
JSON: ``{"format": "lobby-kiosk-faq/1", "items": [{"q_zh", "q_en", "a_zh", "a_en"}, …]}``,
at most ``MAX_ITEMS`` items, each text at most 500 characters. A file that is missing, not
JSON or of another shape is a ``ConfigError`` naming the file and the item: the kiosk says
what is wrong rather than showing half a list. The dashboard may later write the same file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.config.assets import ASSETS_DIR
from kiosk.core.config.errors import ConfigError
from kiosk.core.tickets.text import line

FORMAT = "lobby-kiosk-faq/1"
SHIPPED = ASSETS_DIR / "faq.json"
MAX_ITEMS = 30
_FIELDS = ("q_zh", "q_en", "a_zh", "a_en")


@dataclass(frozen=True, slots=True)
class FaqItem:
    q_zh: str
    q_en: str
    a_zh: str
    a_en: str

    def question(self, lang: str) -> str:
        return self.q_zh if lang.startswith("zh") else self.q_en

    def answer(self, lang: str) -> str:
        return self.a_zh if lang.startswith("zh") else self.a_en


def load_faq(path: str | Path = "") -> tuple[FaqItem, ...]:
    file = Path(path).expanduser() if path else SHIPPED
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ConfigError(f"{file}: cannot read the FAQ: {e}") from e
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"{file}: not a FAQ file (format {FORMAT!r})")
    items = data.get("items")
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise ConfigError(f"{file}: 'items' is a list of at most {MAX_ITEMS}")
    out = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or set(item) != set(_FIELDS):
            raise ConfigError(f"{file}: item {n} needs exactly {', '.join(_FIELDS)}")
        try:
            texts = [line(str(item[f]), field=f, limit=500, required=True) for f in _FIELDS]
        except Exception as e:  # ValidationError: empty or too long
            raise ConfigError(f"{file}: item {n}: {e}") from e
        out.append(FaqItem(*texts))
    return tuple(out)

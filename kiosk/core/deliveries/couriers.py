"""The couriers a courier can pick on the kiosk, with their names in both languages.

``[checkin] couriers`` lists them: a built-in key (``sf_express``, ``jd``, ``meituan``,
``eleme``, ``documents``, ``other``: names in the message catalogues, ``courier.<key>``) or a
site's own as ``key=中文名|English name``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.i18n import translate

BUILT_IN = ("sf_express", "jd", "meituan", "eleme", "documents", "other")
log = logging.getLogger(__name__)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True, slots=True)
class Courier:
    key: str
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en


def couriers(entries: Iterable[str], *, strict: bool = True) -> tuple[Courier, ...]:
    """The configured couriers in order; ``ConfigError`` for an entry that names none (with
    ``strict=False`` such an entry is logged and left out: settings changed while running
    never break the Delivery screen)."""
    out: list[Courier] = []
    for entry in entries:
        try:
            out.append(_courier(entry))
        except ConfigError as e:
            if strict:
                raise
            log.warning("%s: left out", e)
    return tuple(out)


def _courier(entry: str) -> Courier:
    key, sep, names = entry.strip().partition("=")
    key = key.strip()
    if not _KEY.match(key):
        raise ConfigError(
            f"checkin.couriers: {entry!r} must be a key such as 'sf_express' or "
            "'key=中文名|English name'"
        )
    if sep:
        zh, _, en = names.partition("|")
        zh, en = zh.strip(), en.strip()
        if not zh and not en:
            raise ConfigError(f"checkin.couriers: {entry!r} names no courier")
        return Courier(key, zh or en, en or zh)
    if key in BUILT_IN:
        return Courier(key, translate(f"courier.{key}", "zh_CN"), translate(f"courier.{key}", "en"))
    raise ConfigError(
        f"checkin.couriers: {key!r} is not a built-in courier ({', '.join(BUILT_IN)}); "
        "give its names as 'key=中文名|English name'"
    )


def courier_named(entries: Iterable[str], key: str) -> Courier | None:
    return next((c for c in couriers(entries, strict=False) if c.key == key), None)

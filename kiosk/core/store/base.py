"""What every repository shares: the store it reads through (its ``fields`` seal personal values)
and the personal-data codec (the blind index of lookups)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.core.config.clock import parse_iso
from kiosk.core.store.personal import PersonalDataCodec, PlainCodec, normalise_name, normalise_phone

if TYPE_CHECKING:
    from kiosk.core.store.database import Store


class Repository:
    """Reads go through ``store.query`` (this thread's connection, so inside a transaction
    they see its writes); writes take the open ``Transaction``."""

    def __init__(self, store: Store, codec: PersonalDataCodec | None = None) -> None:
        self.store = store
        self.codec: PersonalDataCodec = codec or PlainCodec()

    def phone_key(self, phone: str) -> str:
        return self.codec.index("phone:" + normalise_phone(phone)) if phone else ""

    def name_key(self, name: str) -> str:
        return self.codec.index("name:" + normalise_name(name)) if name else ""

    def lookup_keys(self, text: str) -> list[str]:
        """``text``'s index under every key a stored row may still carry (the current one
        first; a keyed codec also gives the previous one)."""
        indexes = getattr(self.codec, "indexes", None)
        return list(indexes(text)) if indexes is not None else [self.codec.index(text)]


def dt(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None

"""One visitor per site and phone number at head office.

Head office keeps the clear phone number a kiosk pushed and, beside it, ``phone_key``: the
site's blind index of the number (HMAC-SHA256 under the site's blind-index key, version 1,
derived from the master secret like every site key; ``keys.py``). Version 1 and not the
current one: a rotation re-keys the kiosks, never head office's own rows. Without a master
secret (``migrate`` not run) the index is a SHA-256 of site and number, still per site.

``merge_visitors`` runs after each check-in fold (``folding.AFTER_FOLD``): every other record
of the same (site, phone key) is merged into the earliest-made one (the smallest id among those
of the earliest first visit decides ties, so any arrival order ends with the same survivor);
the visits move, the merged row keeps no personal data and ``merged_into`` names the survivor,
and ``visitor.merged`` goes to the site's kiosks.

Must never: merge across sites, or log a phone number or a key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from kiosk.core.keys.hierarchy import KeyPurpose, derive
from kiosk.core.store.personal import normalise_phone

#: a phone number → its index at one site
PhoneIndex = Callable[[str], str]


def _master(session) -> bytes | None:
    from .keys import master_secret  # keys.py imports the API layer: loaded when used

    found = master_secret(session)
    return found.value if found is not None else None


def index_with(key: bytes, phone: str) -> str:
    """The blind index of ``phone`` under ``key``: the kiosks' form (``keys/blind_index.py``)."""
    if not phone:
        return ""
    return hmac.digest(key, ("phone:" + normalise_phone(phone)).encode(), "sha256").hex()


def phone_indexer(session, site_id: str) -> PhoneIndex:
    """The function that indexes phone numbers of ``site_id`` (one secret read per call)."""
    master = _master(session)
    if master is None:
        salt = f"lobby-kiosk/{site_id}/".encode()
        return lambda phone: (
            hashlib.sha256(salt + normalise_phone(phone).encode()).hexdigest() if phone else ""
        )
    key = derive(master, KeyPurpose.BLIND_INDEX, site_id, 1)
    return lambda phone: index_with(key, phone)

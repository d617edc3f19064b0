"""Record ids."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A globally unique record id (visits from several kiosks must never collide)."""
    return uuid.uuid4().hex

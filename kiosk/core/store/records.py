"""``Records``: every record repository of the kiosk behind one object.

Each table group has its own repository module (directory, visitors, visits, early
check-outs, invitations, watchlist), which owns its SQL and its tables' schema steps;
``Records`` is all of them on one store and one codec, which is what the use cases and the sync
handlers take. Personal fields pass only through these repositories and their ``PersonalDataCodec``.
"""

from __future__ import annotations

from kiosk.core.store.base import Repository
from kiosk.core.store.directory import DirectoryRepository
from kiosk.core.store.early_checkouts import EarlyCheckoutRepository
from kiosk.core.store.invitations import InvitationRepository
from kiosk.core.store.personal import (
    PersonalDataCodec,
    PlainCodec,
    normalise_name,
    normalise_phone,
)
from kiosk.core.store.visitors import VisitorRepository
from kiosk.core.store.visits import VisitRepository
from kiosk.core.store.watchlist import WatchlistRepository

__all__ = [
    "PersonalDataCodec",
    "PlainCodec",
    "Records",
    "Repository",
    "normalise_name",
    "normalise_phone",
]


class Records(
    DirectoryRepository,
    VisitorRepository,
    VisitRepository,
    EarlyCheckoutRepository,
    InvitationRepository,
    WatchlistRepository,
):
    """All record access for the kiosk, on top of a ``Store``."""

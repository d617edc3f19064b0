"""A person's request to be erased: head office tells the site's kiosks, each kiosk confirms.

Head office builds ``visitor.erased`` (``sync/server/person_requests.py``) after erasing the
person there; each kiosk applies it (``kiosk/core/privacy/erasure.py``, registered in
``sync/apply.py``) and answers ``visitor.erasure_confirmed``, which head office keeps per kiosk.
Both carry ids only, never a name or a number.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from kiosk.core.events.base import Event, Id, Time


class VisitorErased(Event):
    """A person's record was erased at head office at their request: every kiosk of the site
    empties the same visitors' personal fields (their visits stay, for the counts)."""

    kind: ClassVar[str] = "visitor.erased"
    origin: ClassVar[str] = "head office"
    consumer: ClassVar[str] = (
        "the kiosk empties the visitors' names, numbers, companies, notes, corrections, "
        "messages and handled payloads, audits it and answers `visitor.erasure_confirmed` "
        "(kiosk/core/privacy/erasure.py)"
    )

    erasure_id: Id
    site_id: Id
    visitor_ids: Annotated[list[Id], Field(min_length=1, max_length=100)]
    requested_at: Time

    @property
    def entity_id(self) -> str:
        return self.erasure_id


class VisitorErasureConfirmed(Event):
    """A kiosk has erased what ``visitor.erased`` named (``visitors``: rows it held); the
    kiosk is the one that pushes it."""

    kind: ClassVar[str] = "visitor.erasure_confirmed"
    consumer: ClassVar[str] = (
        "head office folds it into `erasure_confirmations`, the kiosk's confirmation of the "
        "erasure (sync/server/erasure_fold.py)"
    )

    erasure_id: Id
    site_id: Id
    visitors: int = Field(ge=0, le=100)
    erased_at: Time

    @property
    def entity_id(self) -> str:
        return self.erasure_id


PRIVACY_EVENTS: tuple[type[Event], ...] = (VisitorErasureConfirmed,)
PRIVACY_FEED: tuple[type[Event], ...] = (VisitorErased,)

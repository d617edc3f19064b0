"""The visitor's optional one-tap rating at check-out (seed §6: the desk is assessed by its
attitude as well as its speed; issue 16, item 6).

The goodbye screen offers three faces or five stars (``[checkin] rating``; ``off`` hides it).
A tap is stored with its ``visit.rated`` event in one transaction; no tap stores nothing and
never holds the check-out up (the visit is already closed when the screen shows). Faces are
stored on the 1-5 scale as 1, 3 and 5 so both scales report together.
"""

from __future__ import annotations

from kiosk.core.config.clock import Clock
from kiosk.core.config.errors import ConfigError, NotFoundError, ValidationError
from kiosk.core.config.settings import Settings
from kiosk.core.events import VisitRated
from kiosk.core.store import parcels as table
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records

SCALES = {"faces": (1, 3, 5), "stars": (1, 2, 3, 4, 5)}


def scores(scale: str) -> tuple[int, ...]:
    """The scores the goodbye screen offers; () when the rating is off."""
    return SCALES.get(scale, ())


class Ratings:
    def __init__(self, *, store: Store, records: Records, clock: Clock, settings: Settings):
        if settings.checkin.rating not in (*SCALES, "off"):
            raise ConfigError(
                f"checkin.rating must be faces, stars or off, got {settings.checkin.rating!r}"
            )
        self.store = store
        self.records = records
        self.clock = clock
        self.settings = settings

    @property
    def scale(self) -> str:
        return self.settings.checkin.rating

    def rate(self, visit_id: str, score: int) -> bool:
        """Store one visit's rating; False when it was rated already (the first tap stands)."""
        scale = self.scale
        if score not in scores(scale):
            raise ValidationError(f"score {score!r} is not on the {scale!r} scale", field="score")
        visit = self.records.visit(visit_id)
        site_id = self.settings.site.id
        # a genuine badge of a visit made at a kiosk not heard from yet checks out all the
        # same (``early_checkouts``): its visitor may rate too
        known = visit.site_id == site_id if visit else bool(self.records.early_checkout(visit_id))
        if not known:
            raise NotFoundError(visit_id, key="reception.visit_unknown")
        now = self.clock.now()
        with self.store.transaction() as tx:
            if not table.add_rating(
                tx, visit_id=visit_id, site_id=site_id, score=score, scale=scale, now=now
            ):
                return False
            tx.emit(
                VisitRated(
                    visit_id=visit_id,
                    site_id=site_id,
                    kiosk_id=self.settings.kiosk.id,
                    score=score,
                    scale=scale,  # type: ignore[arg-type]
                    rated_at=now,
                )
            )
        return True

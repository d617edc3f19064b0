"""What every visit use case shares: the records, the settings, the clock and the badge codes."""

from __future__ import annotations

from kiosk.core.config.clock import Clock
from kiosk.core.config.settings import Settings
from kiosk.core.store.records import Records
from kiosk.core.visits.forms import BadgeIssuer, BadgeVerifier, random_badge_code


class VisitDesk:
    """The use cases' common state. Thread-safe (the store has a connection per thread)."""

    def __init__(
        self,
        *,
        records: Records,
        settings: Settings,
        clock: Clock,
        badge_issuer: BadgeIssuer = random_badge_code,
        badge_verifier: BadgeVerifier | None = None,
    ) -> None:
        self.records = records
        self.store = records.store
        self.settings = settings
        self.clock = clock
        self.badge_issuer = badge_issuer
        self.badge_verifier = badge_verifier

    @property
    def site_id(self) -> str:
        return self.settings.site.id

    @property
    def kiosk_id(self) -> str:
        return self.settings.kiosk.id

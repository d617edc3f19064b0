"""``Reception``: receptionist mode's parts built once, for the wiring (``kiosk.services``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.core.reception.actions import DeskActions
from kiosk.core.reception.board import BadgeStatus, Board
from kiosk.core.reception.pepper import Pepper
from kiosk.core.reception.staff import StaffAccounts
from kiosk.core.visits.checkin import CheckinService


@dataclass(frozen=True, slots=True)
class Reception:
    staff: StaffAccounts
    board: Board
    actions: DeskActions

    @classmethod
    def build(
        cls,
        *,
        checkin: CheckinService,
        print_queue: Any,
        pepper: Pepper,
        badge_status: BadgeStatus | None = None,
    ) -> Reception:
        settings = checkin.settings
        return cls(
            staff=StaffAccounts(
                store=checkin.store,
                clock=checkin.clock,
                pepper=pepper,
                site_id=settings.site.id,
                kiosk_id=settings.kiosk.id,
            ),
            board=Board(
                records=checkin.records,
                clock=checkin.clock,
                site_id=settings.site.id,
                kiosk_id=settings.kiosk.id,
                timezone=settings.site.timezone,
                badge_status=badge_status,
            ),
            actions=DeskActions(checkin=checkin, print_queue=print_queue),
        )

"""A parcel's life at reception: left by a courier on the kiosk, collected at the console.

``receive`` writes the parcel and its ``parcel.received`` event in one transaction (the
notifier tells the recipient from that event, sync carries it to head office); ``collect``
records the pick-up with the staff member, its audit entry and ``parcel.collected``;
``uncollected`` is what the console lists. Recipients come from the directory (the host search
the check-in uses); none is "leave at the desk".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.core.config.clock import Clock, parse_iso
from kiosk.core.config.errors import NotFoundError, ValidationError
from kiosk.core.config.settings import Settings
from kiosk.core.deliveries.couriers import Courier, couriers
from kiosk.core.events import ParcelCollected, ParcelReceived
from kiosk.core.reception import audit
from kiosk.core.store import parcels as table
from kiosk.core.store.database import Store, new_id
from kiosk.core.store.records import Records


@dataclass(frozen=True, slots=True)
class Parcel:
    """A parcel as the console shows it."""

    id: str
    courier: str
    courier_zh: str
    courier_en: str
    host_id: str | None
    recipient_zh: str
    recipient_en: str
    received_at: datetime
    collected_at: datetime | None = None

    def recipient(self, lang: str) -> str:
        return self.recipient_zh if lang.startswith("zh") else self.recipient_en

    def courier_name(self, lang: str) -> str:
        return self.courier_zh if lang.startswith("zh") else self.courier_en


class ParcelDesk:
    def __init__(self, *, store: Store, records: Records, clock: Clock, settings: Settings):
        couriers(settings.checkin.couriers)  # ConfigError at start-up for a bad entry
        self.store = store
        self.records = records
        self.clock = clock
        self.settings = settings

    def couriers(self) -> tuple[Courier, ...]:
        """The couriers offered now (an entry made bad while running is left out, logged)."""
        return couriers(self.settings.checkin.couriers, strict=False)

    def receive(
        self, courier: str, *, host_id: str | None = None, department_id: str | None = None
    ) -> Parcel:
        """A courier left a parcel for ``host_id`` (or ``department_id``; neither: the desk)."""
        known = {c.key: c for c in self.couriers()}
        if courier not in known:
            raise ValidationError(f"unknown courier {courier!r}", field="courier")
        site_id = self.settings.site.id
        if host_id is not None:
            host = self.records.host(host_id)
            if host is None or host.site_id != site_id:
                raise NotFoundError(host_id, key="delivery.recipient_unknown")
            department_id = department_id or host.department_id
        elif department_id is not None and self.records.department(department_id) is None:
            raise NotFoundError(department_id, key="delivery.recipient_unknown")
        now = self.clock.now()
        parcel_id = new_id()
        with self.store.transaction() as tx:
            table.add_parcel(
                tx,
                parcel_id=parcel_id,
                site_id=site_id,
                kiosk_id=self.settings.kiosk.id,
                courier=courier,
                host_id=host_id,
                department_id=department_id,
                now=now,
            )
            tx.emit(
                ParcelReceived(
                    parcel_id=parcel_id,
                    site_id=site_id,
                    kiosk_id=self.settings.kiosk.id,
                    courier=courier,
                    host_id=host_id,
                    department_id=department_id,
                    received_at=now,
                )
            )
            row = table.parcel(tx, parcel_id)
        assert row is not None
        return self._parcel(row, known)

    def collect(self, actor: audit.Actor, parcel_id: str) -> Parcel:
        """The recipient took the parcel; ``NotFoundError`` when it is unknown or already
        collected (a second tap on the console records nothing more)."""
        now = self.clock.now()
        site_id, kiosk_id = self.settings.site.id, self.settings.kiosk.id
        with self.store.transaction() as tx:
            if not table.mark_collected(tx, parcel_id, by=actor.id, now=now):
                raise NotFoundError(parcel_id, key="delivery.already_collected")
            tx.emit(
                ParcelCollected(
                    parcel_id=parcel_id,
                    site_id=site_id,
                    kiosk_id=kiosk_id,
                    by=actor.id,
                    collected_at=now,
                )
            )
            audit.record(
                tx,
                actor,
                "parcel.collected",
                site_id=site_id,
                kiosk_id=kiosk_id,
                subject_kind="parcel",
                subject_id=parcel_id,
            )
            row = table.parcel(tx, parcel_id)
        assert row is not None
        return self._parcel(row, {c.key: c for c in self.couriers()})

    def waiting(self) -> int:
        """How many parcels wait at reception (the board's Parcels button)."""
        return table.count_uncollected(self.store)

    def uncollected(self) -> list[Parcel]:
        """Parcels still waiting at reception, oldest first."""
        known = {c.key: c for c in self.couriers()}
        return [self._parcel(row, known) for row in table.uncollected(self.store)]

    def _parcel(self, row, known: dict[str, Courier]) -> Parcel:
        courier = known.get(row["courier"]) or Courier(
            row["courier"], row["courier"], row["courier"]
        )
        host = self.records.host(row["recipient_host_id"]) if row["recipient_host_id"] else None
        dept_id = row["recipient_department_id"]
        dept = self.records.department(dept_id) if dept_id and host is None else None
        if host is not None:
            zh, en = host.name("zh_CN"), host.name("en")
        elif dept is not None:
            zh, en = dept.name_zh, dept.name_en
        else:
            zh, en = "", ""
        collected = row["collected_at"]
        return Parcel(
            id=row["id"],
            courier=courier.key,
            courier_zh=courier.name_zh,
            courier_en=courier.name_en,
            host_id=row["recipient_host_id"],
            recipient_zh=zh,
            recipient_en=en,
            received_at=parse_iso(row["received_at"]),
            collected_at=parse_iso(collected) if collected else None,
        )

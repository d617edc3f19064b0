"""Parcels and check-out ratings reach head office: a kiosk enrolled with the real
``kiosk-server`` over HTTP logs a parcel, records its pick-up and a visitor's rating; one sync
round folds them into the server's ``parcels`` and ``visit_ratings``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from kiosk.core.config.clock import SystemClock
from kiosk.core.config.settings import Settings
from kiosk.core.deliveries.desk import ParcelDesk
from kiosk.core.reception.audit import Actor
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from kiosk.core.visits.rating import Ratings
from sync.server.desk_work import Parcel, VisitRating
from tests.support.harness import HeadOffice, ServerProcess, enrolled_kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[HeadOffice, ServerProcess]]:
    ho = HeadOffice(f"sqlite:///{tmp_path / 'ho.sqlite3'}")
    ho.add_site("demo", "示范大厦", "Demo Tower")
    proc = ServerProcess(ho.database_url, log_path=tmp_path / "server.log").start()
    yield ho, proc
    proc.stop()
    ho.close()


def test_a_parcel_its_pick_up_and_a_rating_are_folded_at_head_office(server, tmp_path):
    ho, proc = server
    kiosk = enrolled_kiosk(proc.url, ho.add_kiosk("demo"), tmp_path / "kiosk")
    try:
        settings = (
            Settings()
            .replace("site", id=kiosk.site_id)
            .replace("kiosk", id=kiosk.kiosk_id)
            .replace("checkin", required_fields=("name", "phone", "purpose"))  # no directory
        )
        clock = SystemClock()
        store, records = kiosk.store, kiosk.records
        parcels = ParcelDesk(store=store, records=records, clock=clock, settings=settings)
        ratings = Ratings(store=store, records=records, clock=clock, settings=settings)
        parcel = parcels.receive("eleme")  # left at the desk
        parcels.collect(Actor("st-1", "receptionist"), parcel.id)
        checkin = CheckinService(records=kiosk.records, settings=settings, clock=clock)
        visit = checkin.check_in(
            CheckinForm(name="张伟", phone="13812345678", purpose="meeting", consent=True)
        ).visit
        checkin.check_out(visit.id)
        assert ratings.rate(visit.id, 3)
        kiosk.client.sync_once()
        with ho.sessions() as s:
            [row] = s.scalars(select(Parcel)).all()
            assert (row.id, row.site_id, row.courier, row.host_id) == (
                parcel.id,
                "demo",
                "eleme",
                None,
            )
            assert row.received_at is not None and row.collected_by == "st-1"
            [rating] = s.scalars(select(VisitRating)).all()
            assert (rating.visit_id, rating.score, rating.scale) == (visit.id, 3, "faces")
    finally:
        kiosk.close()


def test_a_parcel_left_at_a_lobby_kiosk_is_collected_at_the_desks_console(server, tmp_path):
    """Two kiosks of a site: the courier's (lobby) and the receptionist's (desk). The parcel
    reaches the desk's list by pull; the pick-up recorded there leaves the lobby kiosk's list."""
    ho, proc = server
    lobby = enrolled_kiosk(proc.url, ho.add_kiosk("demo"), tmp_path / "lobby")
    desk = enrolled_kiosk(proc.url, ho.add_kiosk("demo"), tmp_path / "desk")
    try:
        clock = SystemClock()

        def parcels_of(k) -> ParcelDesk:
            settings = Settings().replace("site", id=k.site_id).replace("kiosk", id=k.kiosk_id)
            return ParcelDesk(store=k.store, records=k.records, clock=clock, settings=settings)

        at_lobby, at_desk = parcels_of(lobby), parcels_of(desk)
        parcel = at_lobby.receive("sf_express")
        lobby.client.sync_once()
        desk.client.sync_once()
        [waiting] = at_desk.uncollected()
        assert (waiting.id, waiting.courier) == (parcel.id, "sf_express")
        at_desk.collect(Actor("st-9", "receptionist"), parcel.id)
        desk.client.sync_once()
        lobby.client.sync_once()
        assert at_lobby.uncollected() == []
        desk.client.sync_once()  # the desk's own pick-up is not fed back to it
        assert at_desk.uncollected() == []
    finally:
        lobby.close()
        desk.close()

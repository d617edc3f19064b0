"""One example of every kind: shown in docs/events.md and checked by the contract test."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kiosk.core.events import desk, emergency, feed, kiosk, privacy, reception, site, tickets
from kiosk.core.events.base import Event

_T = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
_VISIT = "9f1c2b7d4e5a4f8c9b0a1d2e3f405162"
_VISITOR = "0b7e1d2c3a4f4e5d8c9b1a0f2e3d4c5b"
_RECORD = kiosk.VisitRecord(
    id=_VISIT,
    site_id="demo",
    kiosk_id="kiosk-1",
    visitor_id=_VISITOR,
    host_id="h001",
    department_id="rnd",
    state="checked_in",
    purpose="meeting",
    badge_code="V7KQ2M9XH3PA",
    consent_version="2026-11",
    invitation_id=None,
    created_at=_T,
    checked_in_at=_T,
)
_PERSON = kiosk.VisitorRecord(
    id=_VISITOR, name="张伟", phone="13812345678", company="示例科技", category=""
)
_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo"
_STAFF = "st-4f2a9c1e7b3d4a5f"
_PARCEL = "3c4d5e6f7a8b4c9d8e1f2a3b4c5d6e7f"
_DELIVERY: dict[str, Any] = dict(
    visit_id=_VISIT,
    site_id="demo",
    kiosk_id="kiosk-1",
    delivery_id="5d6e7f8091a24b3c8d9e0f1a2b3c4d5e",
    stage="host",
    recipient="host:h001",
    channel="mailtos://kiosk:****@smtp.example.com/?to=h001%40example.com",
    attempts=1,
)

EXAMPLES: dict[str, Event] = {
    e.kind: e
    for e in (
        kiosk.VisitCheckedIn(visit=_RECORD, visitor=_PERSON, language="zh_CN"),
        kiosk.VisitDenied(
            visit=_RECORD.model_copy(
                update={"state": "denied", "badge_code": "", "checked_in_at": None}
            ),
            visitor=_PERSON,
            language="zh_CN",
            watchlist_id="w1",
        ),
        kiosk.VisitCheckedOut(
            visit_id=_VISIT,
            site_id="demo",
            kiosk_id="kiosk-1",
            checked_out_at=_T,
            auto=False,
            method="scan",
        ),
        kiosk.InvitationUsed(invitation_id="i42", visit_id=_VISIT, site_id="demo"),
        kiosk.InvitationCreated(invitation_id="i43", code="K7Q2M9XH"),
        kiosk.AlertRaised(
            alert_id="a1b2c3d4e5f60718293a4b5c6d7e8f90",
            site_id="demo",
            kiosk_id="kiosk-1",
            alert="watchlist",
            severity="critical",
            message_key="alert.watchlist",
            details={"visit_id": _VISIT, "watchlist_id": "w1"},
            visit_id=_VISIT,
            raised_at=_T,
        ),
        kiosk.AlertAcknowledged(
            alert_id="a1b2c3d4e5f60718293a4b5c6d7e8f90",
            site_id="demo",
            kiosk_id="kiosk-1",
            by="reception",
            acknowledged_at=_T,
        ),
        kiosk.BadgePrinted(
            visit_id=_VISIT, job_id="j1", copy_number=0, printer="cups:badges", attempts=1
        ),
        kiosk.BadgeFailed(
            visit_id=_VISIT,
            job_id="j1",
            copy_number=0,
            printer="cups:badges",
            error_key="badge.printer.stopped",
            error="CUPS queue badges is stopped",
            attempts=1,
            retrying=True,
        ),
        kiosk.NotifySent(**_DELIVERY, sent_at=_T),
        kiosk.NotifyFailed(**_DELIVERY, error="SMTP 550: mailbox unavailable", failed_at=_T),
        reception.StaffChanged(
            staff_id=_STAFF,
            site_id="demo",
            kiosk_id="kiosk-1",
            name="前台 Wang",
            role="receptionist",
            pin_hash=_HASH,
            by="cli",
            changed_at=_T,
        ),
        reception.AuditRecorded(
            entry_id="e1c0ffee0000000000000000000000aa",
            seq=42,
            at=_T,
            site_id="demo",
            kiosk_id="kiosk-1",
            actor=_STAFF,
            role="receptionist",
            action="personal.revealed",
            subject_kind="visitor",
            subject_id=_VISITOR,
            fields="phone",
            reason="",
            details={},
            prev_hash="0" * 64,
            hash="ab" * 32,
        ),
        reception.VisitAnnotated(
            annotation_id="n1",
            visit_id=_VISIT,
            site_id="demo",
            kiosk_id="kiosk-1",
            field="name",
            old_value="张玮",
            new_value="张伟",
            reason="misspelled at check-in",
            by=_STAFF,
            at=_T,
        ),
        reception.VisitCancelled(
            visit_id=_VISIT,
            site_id="demo",
            kiosk_id="kiosk-1",
            reason="checked in twice",
            by=_STAFF,
            cancelled_at=_T,
        ),
        reception.VisitDecided(
            visit_id=_VISIT,
            site_id="demo",
            kiosk_id="kiosk-1",
            decision="approved",
            reason="name only: a different person",
            by=_STAFF,
            decided_at=_T,
        ),
        reception.BadgeReprinted(
            reprint_id="r7",
            visit_id=_VISIT,
            site_id="demo",
            kiosk_id="kiosk-1",
            copy_number=1,
            by=_STAFF,
            requested_at=_T,
        ),
        reception.DeskStatusChanged(
            site_id="demo",
            kiosk_id="kiosk-1",
            unattended=True,
            return_at=_T,
            backup_contact="Security desk, ext. 8110",
            by=_STAFF,
            changed_at=_T,
        ),
        reception.StaffUpserted(
            staff_id=_STAFF,
            site_id="demo",
            name="前台 Wang",
            role="receptionist",
            pin_hash=_HASH,
            updated_at=_T,
        ),
        feed.DepartmentUpserted(
            id="rnd", site_id="demo", name_zh="研发部", name_en="R&D", floor="5", room="501"
        ),
        feed.DepartmentDeleted(id="rnd"),
        feed.HostUpserted(
            id="h001",
            site_id="demo",
            department_id="rnd",
            name_zh="李娜",
            name_en="Li Na",
            floor="5",
            room="512",
            email="lina@example.com",
            language="zh_CN",
            notify_urls=["mailto://lina@example.com"],
        ),
        feed.HostDeleted(id="h001"),
        feed.InvitationUpserted(
            id="i42",
            site_id="demo",
            code="K7Q2M9XH",
            visitor_name="王芳",
            phone="13900001111",
            host_id="h001",
            valid_from=_T,
            valid_until=_T,
            updated_at=_T,
        ),
        feed.WatchlistUpserted(id="w1", site_id="*", name="张三", reason="banned"),
        feed.WatchlistDeleted(id="w1"),
        feed.SiteUpdated(
            site_id="demo", name_zh="示范大厦", name_en="Demo Tower", timezone="Asia/Shanghai"
        ),
        feed.SiteSettings.model_validate({"checkin": {"end_of_day": "20:00"}}),
        feed.SiteMap.model_validate({"floors": []}),
        feed.HostReplied(
            site_id="demo",
            visit_id=_VISIT,
            reply_id="r1",
            reply="wait",
            minutes=5,
            recipient="host:h001",
            replied_at=_T,
        ),
        feed.BuildingUpdated(
            site_id="demo",
            version=2,
            sha256="0" * 64,
            building={"id": "hq", "floors": ["…"]},
        ),
        feed.SiteKeyRotated(purpose="reply-link", version=2),
        feed.HeadOfficeRestored(
            site_id="tower-a",
            backup_taken_at="2026-11-26T02:30:00+00:00",
            restored_at="2026-11-26T09:00:00+00:00",
        ),
        feed.FeedResync(site_id="tower-a", horizon=182000, departments=["d1"], hosts=["h1", "h2"]),
        site.ConflictRecorded(
            conflict_id="5e0c4b1a9d2f4e3c8b7a6f5e4d3c2b1a",
            site_id="demo",
            conflict="invitation_reused",
            subject_id="i42",
            visit_id=_VISIT,
            alert_id="c-5e0c4b1a9d2f4e3c8b7a6f5e4d3c2b1a",
            severity="warning",
            message_key="alert.conflict.invitation_reused",
            raised_at=_T,
        ),
        site.VisitorKnown(
            visitor_id=_VISITOR,
            site_id="demo",
            phone_key="3f" * 32,
            key_version=1,
            masked_name="张*",
            masked_company="示***",
            last_visit_at=_T,
        ),
        site.VisitorMerged(
            visitor_id=_VISITOR, merged_id="7a6b5c4d3e2f4a1b9c8d7e6f5a4b3c2d", site_id="demo"
        ),
        desk.ParcelReceived(
            parcel_id=_PARCEL,
            site_id="demo",
            kiosk_id="kiosk-1",
            courier="sf_express",
            host_id="h001",
            department_id="rnd",
            received_at=_T,
        ),
        desk.ParcelCollected(
            parcel_id=_PARCEL, site_id="demo", kiosk_id="kiosk-1", by=_STAFF, collected_at=_T
        ),
        desk.VisitRated(
            visit_id=_VISIT, site_id="demo", kiosk_id="kiosk-1", score=5, scale="faces", rated_at=_T
        ),
        emergency.EmergencyStarted(
            entry_id="e1a2b3c4d5e64f708192a3b4c5d6e7f8",
            site_id="demo",
            kiosk_id="kiosk-1",
            at=_T,
            emergency="fire",
            drill=True,
            by=_STAFF,
        ),
        emergency.EmergencyEnded(
            entry_id="e2a2b3c4d5e64f708192a3b4c5d6e7f8",
            site_id="demo",
            kiosk_id="kiosk-2",
            at=_T,
            by=_STAFF,
            reason="all accounted for; fire brigade gave the all-clear",
        ),
        emergency.EmergencyMarked(
            entry_id="e3a2b3c4d5e64f708192a3b4c5d6e7f8",
            site_id="demo",
            kiosk_id="kiosk-2",
            at=_T,
            person_id=_VISIT,
            status="accounted",
            by=_STAFF,
        ),
        emergency.EmergencySwitched(
            entry_id="e4a2b3c4d5e64f708192a3b4c5d6e7f8",
            site_id="demo",
            kiosk_id="kiosk-2",
            at=_T,
            active=True,
        ),
        emergency.RollCallPrinted(
            entry_id="e5a2b3c4d5e64f708192a3b4c5d6e7f8",
            site_id="demo",
            kiosk_id="kiosk-1",
            at=_T,
            printer="cups:Lobby-A4",
            people=42,
            ok=True,
        ),
        emergency.EmergencyNoted(
            entry_id="e6a2b3c4d5e64f708192a3b4c5d6e7f8",
            site_id="demo",
            kiosk_id="head-office",
            at=_T,
            incident_id="e1a2b3c4d5e64f708192a3b4c5d6e7f8",
            by="security",
            note="Exit B was blocked by deliveries; two visitors waited in the lift lobby",
        ),
        privacy.VisitorErased(
            erasure_id="er-2c1b0a9f8e7d4c6b",
            site_id="demo",
            visitor_ids=[_VISITOR],
            requested_at=_T,
        ),
        privacy.VisitorErasureConfirmed(
            erasure_id="er-2c1b0a9f8e7d4c6b",
            site_id="demo",
            visitors=1,
            erased_at=_T,
        ),
    )
}

_TICKET = "6c1d2e3f4a5b4c6d8e9f0a1b2c3d4e5f"
EXAMPLES.update(
    {
        e.kind: e
        for e in (
            tickets.TicketRaised(
                ticket_id=_TICKET,
                number="40721596",
                site_id="demo",
                kiosk_id="kiosk-1",
                ticket_kind="service_request",
                category="engineering",
                subject="大堂东侧自动门打不开",
                details="Lobby east door does not open; visitors use the side door.",
                place="Lobby east",
                client_name="张伟",
                contact="13812345678",
                consent=True,
                priority="high",
                department_id="eng",
                due_at=_T,
                source="help",
                by="visitor",
                raised_at=_T,
            ),
            tickets.TicketUpdated(
                entry_id="8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b",
                ticket_id=_TICKET,
                site_id="demo",
                kiosk_id="kiosk-1",
                action="assigned",
                status="assigned",
                department_id="eng",
                person="王工",
                note="Please check the door sensor.",
                seen="",
                by=_STAFF,
                at=_T,
            ),
        )
    }
)

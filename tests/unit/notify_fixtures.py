"""Shared set-up for the notification tests: a small directory and a check-in event."""

from __future__ import annotations

from kiosk.core.config.clock import Clock, iso
from kiosk.core.config.settings import Settings
from kiosk.core.events import parse_event
from kiosk.core.models import Department, Host, Site
from kiosk.core.store.database import Store, new_id
from kiosk.core.store.records import Records

REPLY_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def make_settings(**notify: object) -> Settings:
    s = Settings()
    s = s.replace("head_office", url="https://ho.example")
    changes = {
        "front_desk_urls": ("fake://front",),
        "department_urls": ("rnd=fake://rnd",),
        "reply_key": REPLY_KEY,
        "escalate_after": 120.0,
    }
    changes.update(notify)
    return s.replace("notify", **changes)


def make_directory(records: Records, *, host_urls: dict[str, tuple[str, ...]] | None = None):
    urls = {"h1": ("fake://host1",), "h2": ("fake://host2",), "h3": ("fake://host3",), "h4": ()}
    urls.update(host_urls or {})
    with records.store.transaction() as tx:
        records.upsert_site(tx, Site("demo", "示范大厦", "Demo Tower"))
        records.upsert_department(tx, Department("rnd", "demo", "研发部", "R&D", "5", "503"))
        records.upsert_host(
            tx,
            Host("h2", "demo", "rnd", "王强", "Wang Qiang", language="en", notify_urls=urls["h2"]),
        )
        records.upsert_host(
            tx,
            Host(
                "h1",
                "demo",
                "rnd",
                "李娜",
                "Li Na",
                language="zh_CN",
                delegate_id="h2",
                notify_urls=urls["h1"],
            ),
        )
        records.upsert_host(
            tx,
            Host(
                "h3",
                "demo",
                "rnd",
                "赵敏",
                "Zhao Min",
                away=True,
                delegate_id="h2",
                notify_urls=urls["h3"],
            ),
        )
        records.upsert_host(tx, Host("h4", "demo", "rnd", "孙丽", "Sun Li", notify_urls=urls["h4"]))


def check_in(
    store: Store,
    clock: Clock,
    *,
    host_id: str | None = "h1",
    name: str = "张伟",
    company: str = "星河科技",
    language: str = "zh_CN",
    department_id: str | None = "rnd",
) -> str:
    """Commit a visit and its visit.checked_in event, as checkin.py does (docs/events.md)."""
    visit_id = new_id()
    visitor_id = new_id()
    now = iso(clock.now())
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO visitors (id, name, phone, phone_key, company, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (visitor_id, name, "13812345678", "k", company, now, now),
        )
        tx.execute(
            "INSERT INTO visits (id, site_id, visitor_id, host_id, department_id, state, "
            "purpose, kiosk_id, created_at, checked_in_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                visit_id,
                "demo",
                visitor_id,
                host_id,
                department_id,
                "checked_in",
                "meeting",
                "kiosk-1",
                now,
                now,
            ),
        )
        tx.emit(
            parse_event(
                "visit.checked_in",
                {
                    "visit": {
                        "id": visit_id,
                        "site_id": "demo",
                        "kiosk_id": "kiosk-1",
                        "visitor_id": visitor_id,
                        "host_id": host_id,
                        "department_id": department_id,
                        "state": "checked_in",
                        "purpose": "meeting",
                        "badge_code": "",
                        "consent_version": "2026-11",
                        "invitation_id": None,
                        "created_at": now,
                        "checked_in_at": now,
                    },
                    "visitor": {
                        "id": visitor_id,
                        "name": name,
                        "phone": "13812345678",
                        "company": company,
                        "category": "",
                    },
                    "language": language,
                },
            )
        )
    return visit_id

"""Importing a directory file into a kiosk's own store (a stand-alone kiosk, and the demo).

Reading and checking the file is ``directory_file`` and ``directory_plan``; this module only
reads the site's current rows out of the store and writes a plan's rows in one transaction, so
a file is imported whole (its good rows) or not at all. Head office's counterpart is
``sync/server/directory_import.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from kiosk.core.directory.file import DirectoryFile
from kiosk.core.directory.plan import Existing, ImportPlan, plan_import
from kiosk.core.models import Department, Host
from kiosk.core.store.database import Transaction
from kiosk.core.store.records import Records


def host_record(h: Host) -> dict:
    """A stored host in the file's field names."""
    values = asdict(h)
    values["department"] = values.pop("department_id")
    values["delegate"] = values.pop("delegate_id") or ""
    return values


def existing_rows(records: Records, site_id: str) -> Existing:
    departments = {d.id: asdict(d) for d in records.departments(site_id)}
    hosts = {h.id: host_record(h) for h in records.hosts(site_id)}
    return Existing(
        departments=departments,
        hosts=hosts,
        taken_departments={d.id: d.site_id for d in records.departments() if d.site_id != site_id},
        taken_hosts={h.id: h.site_id for h in records.hosts() if h.site_id != site_id},
    )


def plan_for_kiosk(
    records: Records,
    file: DirectoryFile,
    *,
    site_id: str,
    validate_url: Callable[[str], object] | None,
    mail_server: str,
) -> ImportPlan:
    return plan_import(
        file,
        existing_rows(records, site_id),
        validate_url=validate_url,
        mail_server_set=bool(mail_server),
    )


def write_plan(records: Records, tx: Transaction, plan: ImportPlan, *, site_id: str) -> None:
    """Write the plan's departments and hosts (inside the caller's transaction)."""
    for r in plan.departments:
        v = r.values
        records.upsert_department(
            tx, Department(r.id, site_id, v["name_zh"], v["name_en"], v["floor"], v["room"])
        )
    # delegates may be hosts written in this same plan: every host first, then the delegates
    for with_delegate in (False, True):
        for r in plan.hosts:
            v = r.values
            records.upsert_host(
                tx,
                Host(
                    id=r.id,
                    site_id=site_id,
                    department_id=v["department"],
                    name_zh=v["name_zh"],
                    name_en=v["name_en"],
                    floor=v["floor"],
                    room=v["room"],
                    email=v["email"],
                    phone=v["phone"],
                    language=v["language"],
                    away=bool(v["away"]),
                    delegate_id=(v["delegate"] or None) if with_delegate else None,
                    notify_urls=tuple(v["notify_urls"]),
                ),
            )

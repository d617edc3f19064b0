"""``kiosk-server import-directory SITE FILE``: a directory file into head office's database.

The file is read and checked by the kiosk core's one reader (``kiosk/core/directory/file.py``,
``directory_plan.py``); this module hands it the site's rows, then writes the good rows and
one ``department.upserted`` / ``host.upserted`` change each (built by ``feed.py``, as the
admin routes' are) in one transaction, so the site's kiosks pull exactly what was written.
"""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import KioskError
from kiosk.core.directory.file import DirectoryFile, read_directory_file
from kiosk.core.directory.plan import Existing, ImportPlan, plan_import
from kiosk.core.notify.channels import AppriseNotifier

from . import feed
from .api.schemas import DepartmentPublic, HostPublic
from .changes import NewChange, append_changes
from .models import Department, Host, Site

#: exit status when some rows were refused and the others written (0: all, 1: none)
ROWS_REFUSED = 3
MAIL_NOTE = (
    "{n} hosts have an e-mail address: kiosks notify them by e-mail only where "
    "[notify] mail_server is set in their settings (docs/notifications.md)"
)


def existing_rows(session: Session, site_id: str) -> Existing:
    departments: dict[str, Any] = {}
    taken_departments: dict[str, str] = {}
    for d in session.scalars(select(Department)):
        if d.site_id == site_id:
            departments[d.id] = DepartmentPublic.model_validate(d).model_dump()
        else:
            taken_departments[d.id] = d.site_id
    hosts: dict[str, Any] = {}
    taken_hosts: dict[str, str] = {}
    for h in session.scalars(select(Host)):
        if h.site_id == site_id:
            hosts[h.id] = HostPublic.model_validate(h).model_dump()
        else:
            taken_hosts[h.id] = h.site_id
    return Existing(departments, hosts, taken_departments, taken_hosts)


def write_plan(session: Session, plan: ImportPlan, *, site_id: str) -> None:
    """The plan's rows and their changes, in the session's transaction."""
    changes: list[NewChange] = []
    for r in plan.departments:
        dep = session.get(Department, r.id) or Department(id=r.id, site_id=site_id)
        for key in ("name_zh", "name_en", "floor", "room"):
            setattr(dep, key, r.values[key])
        session.add(dep)
        session.flush()
        changes.append(NewChange.of(feed.department_upserted(dep)))
    for r in plan.hosts:
        v = r.values
        host = session.get(Host, r.id) or Host(id=r.id, site_id=site_id)
        host.department_id = v["department"]
        host.delegate_id = v["delegate"] or None
        host.away = bool(v["away"])
        host.notify_urls = list(v["notify_urls"])
        for key in ("name_zh", "name_en", "floor", "room", "email", "phone", "language"):
            setattr(host, key, v[key])
        session.add(host)
    session.flush()
    for r in plan.hosts:
        changes.append(NewChange.of(feed.host_upserted(session.get_one(Host, r.id))))
    append_changes(session, site_id=site_id, changes=changes)


def plan_for(
    session: Session, site_id: str, file: DirectoryFile, notifier: AppriseNotifier
) -> ImportPlan:
    """What importing ``file`` into the site would write and refuse, with the warnings (the
    command line's and the dashboard's import both show exactly this)."""
    plan = plan_import(file, existing_rows(session, site_id), validate_url=notifier.validate)
    if file.site and file.site.get("id") not in (None, site_id):
        plan.warnings.insert(
            0, f"the file is for site {file.site.get('id')!r}; imported into {site_id!r}"
        )
    if plan.with_email:
        plan.warnings.append(MAIL_NOTE.format(n=plan.with_email))
    return plan


def import_directory_file(sessions: Any, site_id: str, path: str, *, dry_run: bool) -> int:
    """Read, check and (unless ``dry_run``) write; prints one line per refused row."""
    try:
        file = read_directory_file(path)
    except KioskError as e:
        print(f"kiosk-server: {e.detail or e}", file=sys.stderr)
        return 1
    notifier = AppriseNotifier()
    with sessions() as session, session.begin():
        if session.get(Site, site_id) is None:
            print(f"no site {site_id!r}; add it with add-site first", file=sys.stderr)
            return 1
        plan = plan_for(session, site_id, file, notifier)
        for line in plan.report():
            print(line)
        if dry_run:
            print("dry run: nothing written")
            session.rollback()
        else:
            write_plan(session, plan, site_id=site_id)
            print(
                f"written: {len(plan.departments)} departments, {len(plan.hosts)} hosts; "
                f"the kiosks of {site_id} get them at their next pull"
            )
    if plan.problems:
        print(f"{len(plan.problems)} problems: those rows were left out", file=sys.stderr)
        return ROWS_REFUSED
    return 0

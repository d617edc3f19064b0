"""The demo building and directory, loaded by ``kiosk --demo`` and ``scripts/demo``."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from kiosk.core.config.assets import ASSETS_DIR
from kiosk.core.config.clock import parse_iso
from kiosk.core.directory.file import FORMAT, parse_document
from kiosk.core.directory.plan import plan_import
from kiosk.core.directory.write import existing_rows, write_plan
from kiosk.core.models import Invitation, Site, WatchlistEntry
from kiosk.core.store.database import new_id
from kiosk.core.store.records import Records

DEMO_DIR = ASSETS_DIR / "demo"


def load_directory_file(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a lobby-kiosk directory file")
    return data


def demo_directory() -> dict[str, Any]:
    return load_directory_file(DEMO_DIR / "directory.json")


def import_directory(records: Records, data: dict[str, Any], *, with_extras: bool = True) -> Site:
    """Load a directory document (site, departments, hosts; demo invitations and watchlist)
    through the same checks as ``kiosk import-directory``; a bad record is a ``ValueError``."""
    s = data["site"]
    site = Site(s["id"], s["name_zh"], s["name_en"], s.get("timezone", "Asia/Shanghai"))
    file = parse_document(data)
    store = records.store
    with store.transaction() as tx:
        records.upsert_site(tx, site)
        plan = plan_import(file, existing_rows(records, site.id))
        if plan.problems:
            raise ValueError("; ".join(str(p) for p in plan.problems))
        write_plan(records, tx, plan, site_id=site.id)
        if with_extras:
            now = tx.clock.now()
            for inv in data.get("invitations", []):
                if records.invitation_by_code(inv["code"]) is None:
                    records.add_invitation(
                        tx,
                        Invitation(
                            id=new_id(),
                            site_id=site.id,
                            code=inv["code"],
                            visitor_name=inv["visitor_name"],
                            phone=inv.get("phone", ""),
                            company=inv.get("company", ""),
                            host_id=inv.get("host"),
                            purpose=inv.get("purpose", "meeting"),
                            valid_from=now - timedelta(hours=1),
                            valid_until=now + timedelta(days=365),
                        ),
                    )
            for w in data.get("watchlist", []):
                records.add_watchlist_entry(
                    tx,
                    WatchlistEntry(
                        w["id"],
                        site.id,
                        w.get("name", ""),
                        w.get("phone", ""),
                        w.get("reason", ""),
                        parse_iso(w["expires_at"]) if w.get("expires_at") else None,
                    ),
                )
    return site

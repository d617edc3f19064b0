"""``kiosk-server person …``: a person's request from a terminal (``person_requests.py``).

    kiosk-server person find SITE MOBILE          how many records, visits, invitations
    kiosk-server person export SITE MOBILE OUT    OUT.json and OUT.csv (0600)
    kiosk-server person erase SITE MOBILE         erase here, tell the site's kiosks
    kiosk-server person status ERASURE            which kiosks have confirmed

The mobile number is an argument (a data-protection officer types it once); nothing printed
holds it or a name.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.core.config.errors import NotFoundError

from .api.admin_common import get_site
from .person_requests import erase_person, erasure_status, export_csv, export_person

_BY = "cli"


def add_parser(sub: Any) -> None:
    person = sub.add_parser("person", help="a person's request: find, export, erase")
    person_sub = person.add_subparsers(dest="person_command", required=True)
    for name in ("find", "export", "erase"):
        p = person_sub.add_parser(name)
        p.add_argument("site")
        p.add_argument("mobile")
        if name == "export":
            p.add_argument("out", help="file name without extension")
    status = person_sub.add_parser("status", help="which kiosks have confirmed an erasure")
    status.add_argument("erasure")


def person_command(sessions: Any, args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    with sessions() as session, session.begin():
        if args.person_command == "status":
            found = erasure_status(session, args.erasure)
            if found is None:
                raise NotFoundError(f"no erasure {args.erasure}")
            print(json.dumps(found, indent=2))
            return 0
        site = get_site(session, args.site)
        if args.person_command == "erase":
            erasure = erase_person(session, site, args.mobile, by=_BY, now=now)
            print(f"erased: {erasure.id}" if erasure else "nothing held for that number")
            return 0
        exported = export_person(session, site, args.mobile, by=_BY, now=now)
    print(
        f"{len(exported['visitors'])} records, {len(exported['visits'])} visits, "
        f"{len(exported['invitations'])} invitations"
    )
    if args.person_command == "export":
        base = Path(args.out)
        _private(base.with_suffix(".json"), json.dumps(exported, ensure_ascii=False, indent=2))
        _private(base.with_suffix(".csv"), export_csv(exported))
        print(f"wrote {base.with_suffix('.json')} and {base.with_suffix('.csv')}")
    return 0


def _private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)

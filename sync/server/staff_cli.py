"""``kiosk-server staff add SITE NAME --role R`` and ``kiosk-server staff list SITE``.

The PIN is asked twice without echo (``--pin-stdin`` reads one line, for scripts); never an
argument, so it stays out of the shell history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from kiosk.core.config.errors import KioskError


def add_parser(sub: Any) -> None:
    staff = sub.add_parser("staff", help="staff accounts of a site's receptionist mode")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="add a staff account for every kiosk of a site")
    add.add_argument("site")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["receptionist", "supervisor", "admin"])
    add.add_argument("--language", default="", choices=["", "zh_CN", "en"])
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    listing = staff_sub.add_parser("list", help="list a site's staff accounts")
    listing.add_argument("site")


def staff_command(sessions: Any, args: argparse.Namespace) -> int:
    from .reception import add_staff, site_staff

    try:
        with sessions() as session, session.begin():
            if args.staff_command == "list":
                for row in site_staff(session, args.site):
                    state = " (disabled)" if row.disabled else ""
                    print(f"{row.id}  {row.role:<12}  {row.name}{state}")
                return 0
            pin = _read_pin(args.pin_stdin)
            row = add_staff(
                session,
                site_id=args.site,
                name=args.name,
                role=args.role,
                pin=pin,
                language=args.language,
            )
            print(f"staff {row.id} ({row.role}) added; every kiosk of {row.site_id} gets it")
            return 0
    except KioskError as e:
        print(f"kiosk-server: {e.detail or e}", file=sys.stderr)
        return 1


def _read_pin(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass("PIN (6 or more digits): ")
    if getpass.getpass("PIN again: ") != first:
        raise KioskError("the two PINs differ")
    return first

"""``kiosk staff …`` and ``kiosk audit verify``: receptionist mode from a terminal.

kiosk staff add --name NAME --role receptionist|supervisor|admin [--pin-stdin] [--language L]
kiosk staff list
kiosk audit verify           exit 1 when an entry was altered, removed or reordered

The PIN is asked twice without echo (``--pin-stdin`` reads one line, for scripts); it is never
an argument, so it stays out of the shell history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from kiosk.core.config.errors import ValidationError
from kiosk.core.config.settings import Settings


def add_parsers(sub: Any) -> None:
    staff = sub.add_parser("staff", help="staff accounts of receptionist mode")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="add a staff account (asks for the PIN)")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=["receptionist", "supervisor", "admin"])
    add.add_argument("--language", default="", choices=["", "zh_CN", "en"])
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    staff_sub.add_parser("list", help="list the site's staff accounts")
    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check the hash chain of the audit log")


def _read_pin(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass("PIN (6 or more digits): ")
    if getpass.getpass("PIN again: ") != first:
        raise ValidationError("the two PINs differ", field="pin", key="reception.pin_mismatch")
    return first


def run(settings: Settings, args: argparse.Namespace) -> int:
    from kiosk.services import build_services

    services = build_services(settings, start_workers=False)
    try:
        if args.command == "audit":
            return _verify(services)
        staff = services.reception.staff
        if args.staff_command == "list":
            for member in staff.members(include_disabled=True):
                state = " (disabled)" if member.disabled else ""
                print(f"{member.id}  {member.role:<12}  {member.name}{state}")
            return 0
        member = staff.add(args.name, args.role, _read_pin(args.pin_stdin), language=args.language)
        print(f"staff {member.id} ({member.role}) added for site {staff.site_id}")
        return 0
    finally:
        services.stop()


def _verify(services: Any) -> int:
    from kiosk.core.reception.audit import verify

    result = verify(services.store)
    if result.ok:
        print(f"audit log: {result.entries} entries, chain intact")
        return 0
    print(f"audit log: {result.entries} entries, {len(result.problems)} problems:")
    for problem in result.problems:
        print(f"  {problem}")
    return 1

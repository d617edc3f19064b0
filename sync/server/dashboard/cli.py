"""``kiosk-server dashboard-user add NAME --role R [--site S …] [--totp]`` and ``… list``.

The first admin of the web dashboard is made here (nobody can sign in before one exists). The
password is asked twice without echo (``--password-stdin`` reads one line, for scripts), never
an argument, so it stays out of the shell history and the process list. With ``--totp`` the
secret is printed once as an ``otpauth://`` URI and as a QR code in the terminal, for an
authenticator app.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from kiosk.core.config.errors import KioskError

from .models import ROLES


def add_parser(sub: Any) -> None:
    users = sub.add_parser("dashboard-user", help="accounts of the web dashboard (/dashboard)")
    users_sub = users.add_subparsers(dest="user_command", required=True)
    add = users_sub.add_parser("add", help="add a dashboard account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument(
        "--site",
        action="append",
        default=[],
        help="a site the account may see (repeat; '*' for every site; admins see all)",
    )
    add.add_argument("--totp", action="store_true", help="require an authenticator code too")
    add.add_argument("--language", default="zh_CN", choices=["zh_CN", "en"])
    add.add_argument("--password-stdin", action="store_true", help="read it from standard input")
    users_sub.add_parser("list", help="list the dashboard accounts")


def user_command(sessions: Any, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .accounts import create_user, totp_uri
    from .models import DashboardUser

    try:
        with sessions() as session, session.begin():
            if args.user_command == "list":
                for u in session.scalars(select(DashboardUser).order_by(DashboardUser.name)):
                    extra = " totp" if u.totp_secret else ""
                    extra += " (disabled)" if u.disabled else ""
                    sites = ",".join(u.sites) or "-"
                    print(f"{u.name:<24} {u.role:<12} sites={sites}{extra}")
                return 0
            if args.role != "admin" and not args.site:
                print("kiosk-server: give the account's sites with --site", file=sys.stderr)
                return 2
            user = create_user(
                session,
                name=args.name,
                password=_read_password(args.password_stdin),
                role=args.role,
                sites=args.site,
                totp=args.totp,
                language=args.language,
            )
            print(f"dashboard account {user.name} ({user.role}) created")
            if user.totp_secret:
                uri = totp_uri(user)
                print("add this to an authenticator app (shown once):")
                print(uri)
                _print_qr(uri)
            return 0
    except KioskError as e:
        print(f"kiosk-server: {e.detail or e}", file=sys.stderr)
        return 1


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password (10 or more characters): ")
    if getpass.getpass("password again: ") != first:
        raise KioskError("the two passwords differ")
    return first


def _print_qr(text: str) -> None:
    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(text)
    qr.print_ascii(out=sys.stdout)

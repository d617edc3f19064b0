"""``kiosk-server`` commands that manage records by hand: sites, kiosks and admins
(``add-site``, ``rename-site``, ``add-kiosk``, ``add-admin``, ``revoke-kiosk``,
``revoke-admin``) and ``repair-clock``. The parser and the dispatch are in ``cli.py``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from sqlalchemy import select


def repair_clock_command(sessions, *, dry_run: bool) -> int:
    from .clock_repair import repair_clock
    from .server_clock import max_skew

    with sessions() as session, session.begin():
        done = repair_clock(session, skew=max_skew(), dry_run=dry_run)
    verb = "would re-stamp" if dry_run else "re-stamped"
    print(f"{verb} {len(done.restamped)} stamps more than {max_skew()} ahead")
    for name, count in done.rows.items():
        if count:
            print(f"  {name}: {count} rows")
    if done.restamped and not dry_run:
        print("restart every kiosk-server process now (each keeps its clock in memory)")
    return 0


def manage_command(args: argparse.Namespace, sessions) -> int:
    from kiosk.core.config.errors import ValidationError

    from .api.sites_routes import create_kiosk_record, create_site_record, update_site_record
    from .models import Admin, Kiosk, Site
    from .security import digest, new_admin_token

    with sessions() as session, session.begin():
        if args.command == "add-site":
            if session.get(Site, args.id) is not None:
                print(f"site {args.id!r} exists already", file=sys.stderr)
                return 1
            try:
                create_site_record(
                    session,
                    id=args.id,
                    name_zh=args.name_zh,
                    name_en=args.name_en,
                    timezone=args.timezone,
                    address_zh=args.address_zh,
                    address_en=args.address_en,
                )
            except ValidationError as e:
                print(f"kiosk-server: {e.detail}", file=sys.stderr)
                return 2
            print(f"site {args.id} created")
        elif args.command == "rename-site":
            site = session.get(Site, args.site)
            if site is None:
                print(f"no site {args.site!r}", file=sys.stderr)
                return 1
            try:
                changed = update_site_record(
                    session,
                    site,
                    name_zh=args.name_zh,
                    name_en=args.name_en,
                    timezone=args.timezone,
                    address_zh=args.address_zh,
                    address_en=args.address_en,
                )
            except ValidationError as e:
                print(f"kiosk-server: {e.detail}", file=sys.stderr)
                return 2
            if changed:
                print(f"site {site.id}: {site.name_zh} / {site.name_en} ({site.timezone})")
                if site.address_zh or site.address_en:
                    print(f"address: {site.address_zh} / {site.address_en}")
                print("its kiosks show the new names after their next pull")
            else:
                print(f"site {site.id} unchanged")
        elif args.command == "add-kiosk":
            if session.get(Site, args.site) is None:
                print(f"no site {args.site!r}; add it with add-site first", file=sys.stderr)
                return 1
            kiosk, code = create_kiosk_record(session, site_id=args.site, name=args.name)
            print(f"kiosk {kiosk.id} for site {kiosk.site_id}")
            print(f"enrollment code (one use, expires {kiosk.code_expires_at:%Y-%m-%d %H:%M} UTC):")
            print(code)
        elif args.command == "add-admin":
            if session.scalar(select(Admin).where(Admin.name == args.name)) is not None:
                print(f"admin {args.name!r} exists already", file=sys.stderr)
                return 1
            token = new_admin_token()
            session.add(
                Admin(name=args.name, token_hash=digest(token), created_at=datetime.now(UTC))
            )
            print(f"admin {args.name} created; token (shown once, keep it secret):")
            print(token)
        elif args.command == "revoke-kiosk":
            kiosk = session.get(Kiosk, args.id)
            if kiosk is None:
                print(f"no kiosk {args.id!r}", file=sys.stderr)
                return 1
            kiosk.revoked_at = kiosk.revoked_at or datetime.now(UTC)
            kiosk.code_hash = None
            print(f"kiosk {args.id} revoked")
        elif args.command == "revoke-admin":
            admin = session.scalar(select(Admin).where(Admin.name == args.name))
            if admin is None:
                print(f"no admin {args.name!r}", file=sys.stderr)
                return 1
            admin.revoked_at = admin.revoked_at or datetime.now(UTC)
            print(f"admin {args.name} revoked")
    return 0

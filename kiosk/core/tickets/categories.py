"""The site's ticket categories (bilingual, with the department each goes to) and due times,
read from settings ``[tickets]``.

A malformed entry stops the kiosk at start-up with a ``ConfigError`` naming it (the settings
rule: the kiosk never guesses).

Head office may manage a site's categories: ``"tickets": {"categories": [...]}`` in the site's
settings document (``PUT /api/v1/sites/{id}/settings``, the same ``key:中文:English[:department]``
entries, checked there with ``parse_categories``), which reaches the kiosks as ``site.settings``
and replaces ``[tickets] categories`` (``site_categories``). Head office's data never stops a
kiosk: a list that does not parse here is logged and the kiosk's own categories stay.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings import TicketSettings
from kiosk.core.tickets.model import KINDS, PRIORITIES

if TYPE_CHECKING:
    from kiosk.core.store.database import Store

log = logging.getLogger(__name__)

#: a priority named nowhere in ``due_minutes`` is due in a day
DEFAULT_DUE_MINUTES = 1440


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    name_zh: str
    name_en: str
    #: the department a new ticket of this category goes to ("" = the desk decides)
    department_id: str = ""

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en


def categories(settings: TicketSettings) -> tuple[Category, ...]:
    return parse_categories(settings.categories)


def parse_categories(entries: object, where: str = "tickets.categories") -> tuple[Category, ...]:
    """``key:中文:English[:department]`` entries; ``ConfigError`` naming ``where`` otherwise."""
    if not isinstance(entries, list | tuple) or len(entries) > 100:
        raise ConfigError(f"{where}: a list of at most 100 'key:中文:English[:department]'")
    out = []
    for entry in entries:
        parts = [p.strip() for p in entry.split(":")] if isinstance(entry, str) else []
        if len(parts) not in (3, 4) or not all(parts[:3]) or len(str(entry)) > 300:
            raise ConfigError(f"{where}: '{entry}' must look like 'key:中文:English[:department]'")
        out.append(Category(*parts))
    if len({c.key for c in out}) != len(out):
        raise ConfigError(f"{where}: a key is named twice")
    return tuple(out)


def site_categories(store: Store, settings: TicketSettings) -> tuple[Category, ...]:
    """The categories in force: head office's for the site when it sent a list that parses
    (``site.settings``), else ``[tickets] categories``. Reads the store: not on the UI thread."""
    from kiosk.core.store import kv  # here: head office checks entries with this module

    site = json.loads(kv.get(store, "site.settings") or "{}")
    tickets = site.get("tickets") if isinstance(site, dict) else None
    pushed = tickets.get("categories") if isinstance(tickets, dict) else None
    if pushed is not None:
        try:
            return parse_categories(pushed, where="site settings tickets.categories")
        except ConfigError as e:
            log.warning("head office's ticket categories ignored: %s", e)
    return categories(settings)


def due_table(settings: TicketSettings) -> dict[str, int]:
    """``{"normal": 480, "complaint.urgent": 60, …}`` from ``due_minutes``."""
    out: dict[str, int] = {}
    for entry in settings.due_minutes:
        name, sep, minutes = entry.partition("=")
        kind, _, priority = name.strip().rpartition(".")
        ok = sep and priority in PRIORITIES and (not kind or kind in KINDS)
        if not ok or not minutes.strip().isdigit() or int(minutes) < 1:
            raise ConfigError(
                f"tickets.due_minutes: '{entry}' must look like '[kind.]priority=minutes'"
            )
        out[name.strip()] = int(minutes)
    return out


def due_at(table: dict[str, int], kind: str, priority: str, raised_at: datetime) -> datetime:
    """When a ticket of ``kind`` and ``priority`` raised at ``raised_at`` is due."""
    minutes = table.get(f"{kind}.{priority}", table.get(priority, DEFAULT_DUE_MINUTES))
    return raised_at + timedelta(minutes=minutes)

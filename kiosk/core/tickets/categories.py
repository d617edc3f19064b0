"""The site's ticket categories (bilingual, with the department each goes to) and due times,
read from settings ``[tickets]``.

A malformed entry stops the kiosk at start-up with a ``ConfigError`` naming it (the settings
rule: the kiosk never guesses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings import TicketSettings
from kiosk.core.tickets.model import KINDS, PRIORITIES

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
    out = []
    for entry in settings.categories:
        parts = [p.strip() for p in entry.split(":")]
        if len(parts) not in (3, 4) or not all(parts[:3]):
            raise ConfigError(
                f"tickets.categories: '{entry}' must look like 'key:中文:English[:department]'"
            )
        out.append(Category(*parts))
    if len({c.key for c in out}) != len(out):
        raise ConfigError("tickets.categories: a key is named twice")
    return tuple(out)


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

"""A site's feed after long use, written straight into head office's database: departments and
hosts edited again and again, hosts moved, given delegates and deleted, watchlist entries added
and removed, invitations created and used. For the compaction test and ``new_kiosk_catch_up``.

Every change goes through ``changes.append_changes`` (the server's one way to append), typed by
the feed's own models; ``age`` moves the changes written so far into the past.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from kiosk.core.events import (
    DepartmentDeleted,
    DepartmentUpserted,
    HostDeleted,
    HostUpserted,
    InvitationUpserted,
    WatchlistDeleted,
    WatchlistUpserted,
)
from sync.server.changes import NewChange, append_changes
from sync.server.models import Change


class Pool:
    """A set with a constant-time random pick (the history has tens of thousands of ids)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._at: dict[str, int] = {}

    def __contains__(self, item: str) -> bool:
        return item in self._at

    def __len__(self) -> int:
        return len(self.items)

    def add(self, item: str) -> None:
        if item not in self._at:
            self._at[item] = len(self.items)
            self.items.append(item)

    def discard(self, item: str) -> None:
        if (i := self._at.pop(item, None)) is not None:
            last = self.items.pop()
            if i < len(self.items):
                self.items[i] = last
                self._at[last] = i

    def pick(self, rng: random.Random) -> str:
        return self.items[rng.randrange(len(self.items))]


@dataclass
class History:
    site_id: str
    rng: random.Random = field(default_factory=lambda: random.Random(23))
    departments: Pool = field(default_factory=Pool)
    #: live host -> department
    hosts: dict[str, str] = field(default_factory=dict)
    host_pool: Pool = field(default_factory=Pool)
    watchlist: Pool = field(default_factory=Pool)
    #: departments without hosts (one may be removed)
    empty: Pool = field(default_factory=Pool)
    #: the first hosts, never deleted: delegates and invitations name only them (a kiosk keeps
    #: a deleted host its own rows still name, which would blur the comparison)
    keep: list[str] = field(default_factory=list)
    #: the live departments' and hosts' names, as the last change gave them
    department_names: dict[str, str] = field(default_factory=dict)
    host_names: dict[str, str] = field(default_factory=dict)
    invitations: int = 0
    written: int = 0
    _next: int = 0
    _staff: dict[str, int] = field(default_factory=dict)

    def _id(self, prefix: str) -> str:
        self._next += 1
        return f"{prefix}{self._next}"

    def _department(self, dep: str) -> NewChange:
        if dep not in self.departments:
            self.empty.add(dep)
        self.departments.add(dep)
        name = f"部门{self.rng.randrange(10**6)}"
        self.department_names[dep] = name
        return NewChange.of(
            DepartmentUpserted(id=dep, site_id=self.site_id, name_zh=name, name_en=name)
        )

    def _host(self, host: str) -> NewChange:
        dep = self.departments.pick(self.rng)
        self._leave(host)
        self.hosts[host] = dep
        self.host_pool.add(host)
        self.empty.discard(dep)
        self._staff[dep] = self._staff.get(dep, 0) + 1
        if len(self.keep) < 3 and host not in self.keep:
            self.keep.append(host)
        others = [h for h in self.keep if h != host]
        delegate = self.rng.choice(others) if others and self.rng.random() < 0.2 else None
        name = self.host_names[host] = f"主人{self.rng.randrange(10**6)}"
        return NewChange.of(
            HostUpserted(
                id=host,
                site_id=self.site_id,
                department_id=dep,
                name_zh=name,
                email=f"{host}@example.com",
                delegate_id=delegate,
            )
        )

    def _leave(self, host: str) -> None:
        """``host`` leaves its department (moved or deleted)."""
        if (dep := self.hosts.pop(host, None)) is not None:
            self.host_pool.discard(host)
            self._staff[dep] -= 1
            if not self._staff[dep]:
                self.empty.add(dep)

    def step(self, live_target: int) -> NewChange:
        """One more change; creations while below ``live_target`` live entities, else edits."""
        r = self.rng.random()
        live = len(self.hosts) + len(self.departments) + len(self.watchlist)
        if not self.departments or (r < 0.03 and live < live_target):
            return self._department(self._id("d"))
        if r < 0.05:  # an edited department (after the hosts that name it)
            return self._department(self.departments.pick(self.rng))
        if r < 0.06 and len(self.empty) and len(self.departments) > 1:  # an empty one removed
            dep = self.empty.pick(self.rng)
            self.empty.discard(dep)
            self.departments.discard(dep)
            self.department_names.pop(dep, None)
            return NewChange.of(DepartmentDeleted(id=dep))
        if r < 0.30 and live < live_target:
            return self._host(self._id("h"))
        if r < 0.36 and len(self.host_pool) > len(self.keep):
            host = self.host_pool.pick(self.rng)
            if host not in self.keep:
                self._leave(host)
                self.host_names.pop(host, None)
                return NewChange.of(HostDeleted(id=host))
        if r < 0.40:
            entry = self._id("w")
            self.watchlist.add(entry)
            return NewChange.of(WatchlistUpserted(id=entry, site_id=self.site_id, name="某人"))
        if r < 0.42 and len(self.watchlist):
            entry = self.watchlist.pick(self.rng)
            self.watchlist.discard(entry)
            return NewChange.of(WatchlistDeleted(id=entry))
        if r < 0.47 and self.keep:
            self.invitations += 1
            return NewChange.of(
                InvitationUpserted(
                    id=f"i{self.invitations}",
                    site_id=self.site_id,
                    code=f"C{self.invitations:06d}",
                    visitor_name="访客",
                    host_id=self.rng.choice(self.keep),
                    state=self.rng.choice(["pending", "used"]),
                )
            )
        if len(self.host_pool):
            return self._host(self.host_pool.pick(self.rng))
        return self._host(self._id("h"))

    def directory(self) -> tuple[dict[str, tuple[str, str]], dict[str, str], set[str]]:
        """What a kiosk that read the whole feed holds: hosts (id → department, Chinese name),
        departments (id → Chinese name) and the watchlist's ids."""
        hosts = {h: (dep, self.host_names[h]) for h, dep in self.hosts.items()}
        return hosts, dict(self.department_names), set(self.watchlist.items)

    def write(self, sessions: Any, count: int, *, live_target: int, batch: int = 2000) -> None:
        """``count`` more changes, in transactions of ``batch``."""
        left = count
        while left:
            n = min(batch, left)
            with sessions() as s, s.begin():
                append_changes(
                    s, site_id=self.site_id, changes=[self.step(live_target) for _ in range(n)]
                )
            left -= n
        self.written += count

    def age(self, sessions: Any, days: int) -> None:
        """Every change of the site written so far: ``days`` old."""
        with sessions() as s, s.begin():
            s.execute(
                update(Change)
                .where(Change.site_id == self.site_id)
                .values(created_at=datetime.now(UTC) - timedelta(days=days))
            )

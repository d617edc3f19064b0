"""What importing a directory file would change, checked against what a database already holds.

Pure: the caller (``kiosk import-directory`` on a kiosk's store, ``kiosk-server
import-directory`` on head office's database) hands in the site's current departments and hosts
as plain records in the file's field names and writes the plan's records in one transaction.
Rows that refer to what does not exist (a department, a delegate), repeat an id, or carry a
channel URL apprise does not understand are refused one per line; the other rows are kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kiosk.core.config.errors import ConfigError
from kiosk.core.directory.file import DirectoryFile, Problem, Record

#: what the file and both databases compare: a host's ``notify_urls`` as a tuple
DEPARTMENT_KEYS = ("name_zh", "name_en", "floor", "room")
HOST_KEYS = (
    "department",
    "name_zh",
    "name_en",
    "floor",
    "room",
    "email",
    "phone",
    "language",
    "away",
    "delegate",
    "notify_urls",
)
DEFAULTS: dict[str, Any] = {
    "name_zh": "",
    "name_en": "",
    "floor": "",
    "room": "",
    "email": "",
    "phone": "",
    "language": "zh_CN",
    "away": False,
    "delegate": "",
    "notify_urls": (),
}
NO_MAIL_SERVER = (
    "{n} hosts have an e-mail address but no mail server is set: they will not be notified "
    "by e-mail (set [notify] mail_server, docs/notifications.md)"
)


@dataclass(frozen=True)
class Existing:
    """The site's rows now, by id, in the file's field names; ``taken`` ids belong to other
    sites (head office keeps one id space for every site)."""

    departments: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    hosts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    taken_departments: Mapping[str, str] = field(default_factory=dict)
    taken_hosts: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def line(self, kind: str) -> str:
        def part(word: str, ids: list[str]) -> str:
            return f"{len(ids)} {word}" + (
                f" ({', '.join(ids)})" if ids and word != "unchanged" else ""
            )

        return (
            f"{kind}: {part('added', self.added)}, {part('changed', self.changed)}, "
            f"{part('unchanged', self.unchanged)}"
        )


@dataclass
class ImportPlan:
    """Records to write (added or changed, delegates resolvable), and everything to report."""

    departments: list[Record]
    hosts: list[Record]
    department_changes: Changes
    host_changes: Changes
    problems: list[Problem]
    warnings: list[str]
    #: good hosts of the file that have an e-mail address
    with_email: int = 0

    def report(self) -> list[str]:
        """Lines for the operator: each refused row, the warnings, then what changes."""
        return [
            *(f"refused: {p}" for p in sorted(self.problems, key=_row_order)),
            *(f"warning: {w}" for w in self.warnings),
            self.department_changes.line("departments"),
            self.host_changes.line("hosts"),
        ]


def plan_import(
    file: DirectoryFile,
    existing: Existing,
    *,
    validate_url: Callable[[str], object] | None = None,
    mail_server_set: bool | None = None,
) -> ImportPlan:
    """Check ``file`` against ``existing``. ``validate_url`` raises ``ConfigError`` for a
    channel URL it cannot use; ``mail_server_set`` False adds the "no mail server" warning."""
    problems = list(file.problems)
    warnings = list(file.warnings)

    departments: list[Record] = []
    for found in _unique(file.departments, "department", existing.taken_departments, problems):
        complete = _complete(found, existing.departments, DEPARTMENT_KEYS, problems)
        if complete is not None:
            departments.append(complete)
    known = {k: dict(v) for k, v in existing.departments.items()}
    known |= {r.id: dict(r.values) for r in departments}
    by_name: dict[str, set[str]] = {}
    for dep_id, values in known.items():
        for key in ("name_zh", "name_en"):
            if values.get(key):
                by_name.setdefault(str(values[key]).casefold(), set()).add(dep_id)
    bad_ids = {r.id for r in file.departments} - {r.id for r in departments}

    hosts: list[Record] = []
    for found in _unique(file.hosts, "host", existing.taken_hosts, problems):
        record = _complete(found, existing.hosts, HOST_KEYS, problems)
        if record is None:
            continue
        values = dict(record.values)
        dep = str(values["department"])
        if dep not in known:
            matches = by_name.get(dep.casefold(), set())
            if len(matches) == 1:
                dep = next(iter(matches))
            else:
                reason = (
                    f"{dep!r} names {len(matches)} departments; use the department id"
                    if matches
                    else f"{dep!r}: its row in this file has errors"
                    if dep in bad_ids
                    else f"no department {dep!r} at this site"
                )
                problems.append(Problem(record.where, "department", reason))
                continue
        values["department"] = dep
        problem = _check_urls(values["notify_urls"], record.where, validate_url)
        if problem is not None:
            problems.append(problem)
            continue
        hosts.append(replace(record, values=values))

    # a delegate must be a host of the site once the import is done; dropping a row can
    # strand another row's delegate, so repeat until nothing more drops out
    while True:
        present = set(existing.hosts) | {r.id for r in hosts}
        stranded = [
            r for r in hosts if r.values["delegate"] and r.values["delegate"] not in present
        ]
        if not stranded:
            break
        for r in stranded:
            problems.append(
                Problem(r.where, "delegate", f"no host {r.values['delegate']!r} at this site")
            )
        hosts = [r for r in hosts if r not in stranded]

    dep_changes, dep_writes = _diff(departments, existing.departments, DEPARTMENT_KEYS)
    host_changes, host_writes = _diff(hosts, existing.hosts, HOST_KEYS)
    with_email = sum(1 for r in hosts if r.values["email"])
    if with_email and mail_server_set is False:
        warnings.append(NO_MAIL_SERVER.format(n=with_email))
    return ImportPlan(
        dep_writes, host_writes, dep_changes, host_changes, problems, warnings, with_email
    )


def _row_order(p: Problem) -> tuple[str, int]:
    """Problems in file order: "row 10" after "row 9", "hosts[2]" after "departments[5]"."""
    kind, _, number = (
        p.where.partition(" ") if p.where.startswith("row") else p.where.partition("[")
    )
    digits = "".join(c for c in number if c.isdigit())
    return (kind if kind != "departments" else "", int(digits or 0))


def _unique(
    records: Iterable[Record], kind: str, taken: Mapping[str, str], problems: list[Problem]
) -> list[Record]:
    """Records whose id appears once in the file and is not another site's: a repeated id
    refuses every row that has it (which one is meant cannot be told)."""
    records = list(records)
    counts = Counter(r.id for r in records)
    kept = []
    for r in records:
        if counts[r.id] > 1:
            problems.append(
                Problem(r.where, "id", f"{kind} id {r.id!r} appears {counts[r.id]} times")
            )
        elif r.id in taken:
            problems.append(
                Problem(r.where, "id", f"{kind} id {r.id!r} belongs to site {taken[r.id]!r}")
            )
        else:
            kept.append(r)
    return kept


def _complete(
    record: Record,
    existing: Mapping[str, Mapping[str, Any]],
    keys: tuple[str, ...],
    problems: list[Problem],
) -> Record | None:
    """Every field: the file's, else the stored record's, else the default; a name is needed."""
    old = existing.get(record.id, {})
    values = {"id": record.id}
    for key in keys:
        values[key] = record.values.get(key, old.get(key, DEFAULTS.get(key, "")))
    if not values["name_zh"] and not values["name_en"]:
        problems.append(Problem(record.where, "name_zh", "a name is needed (name_zh or name_en)"))
        return None
    return replace(record, values=values)


def _check_urls(
    urls: tuple[str, ...], where: str, validate_url: Callable[[str], object] | None
) -> Problem | None:
    if validate_url is None:
        return None
    for url in urls:
        try:
            validate_url(url)
        except ConfigError as e:
            return Problem(where, "notify_urls", e.detail or str(e))
    return None


def _diff(
    records: list[Record], existing: Mapping[str, Mapping[str, Any]], keys: tuple[str, ...]
) -> tuple[Changes, list[Record]]:
    changes = Changes()
    writes = []
    for r in records:
        old = existing.get(r.id)
        if old is None:
            changes.added.append(r.id)
        elif not all(_same(r.values.get(k), old.get(k, DEFAULTS.get(k))) for k in keys):
            changes.changed.append(r.id)
        else:
            changes.unchanged.append(r.id)
            continue
        writes.append(r)
    return changes, writes


def _same(new: Any, old: Any) -> bool:
    if isinstance(new, tuple | list) or isinstance(old, tuple | list):
        return tuple(new or ()) == tuple(old or ())
    if isinstance(new, bool) or isinstance(old, bool):
        return bool(new) == bool(old)
    return (new or "") == (old or "")

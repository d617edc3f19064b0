"""Every third-party module a side imports is a dependency that side installs.

One package, two sides: the base dependencies both share, the ``kiosk`` extra (Kivy, printers,
the pinyin keyboard) and the ``server`` extra (FastAPI, SQLAlchemy, the database drivers). The
test suite installs everything, so an import that only the other side (or the ``test`` extra)
provides passes every other test and crashes a real install. This test reads the imports of
every module with ``ast``, follows the server's imports into the core, and checks each side:

- ``sync/server/``: base and ``server``;
- the kiosk and sync modules the server imports, directly or not: base only;
- every other module (the rest of ``kiosk/``, ``sync/client.py``, ``sync/apply.py``): base
  and ``kiosk``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN_PACKAGES = {"kiosk", "sync"}
SERVER = "sync.server"
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = NAME.match(requirement)
    assert match, f"cannot read a distribution name from {requirement!r}"
    return _normalise(match.group(1))


def installed_requirements() -> dict[str | None, set[str]]:
    """Distribution names the installed lobby-kiosk requires, by extra (None: the base)."""
    found: dict[str | None, set[str]] = {}
    for requirement in distribution("lobby-kiosk").requires or []:
        extra = EXTRA.search(requirement.partition(";")[2])
        found.setdefault(extra.group(1) if extra else None, set()).add(
            _requirement_name(requirement)
        )
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_imports(module: str, is_package: bool, source: str) -> tuple[set[str], set[str]]:
    """(absolute dotted names, top-level third-party candidates) a module runs: functions
    included, not the ``if TYPE_CHECKING:`` blocks, which never run. Relative imports are
    resolved; ``from a import b`` yields ``a`` and ``a.b`` (b may be a module)."""
    dotted: set[str] = set()
    here = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            dotted.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            dotted.add(target)
            dotted.update(f"{target}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    tops = {name.split(".")[0] for name in dotted}
    return dotted, {t for t in tops if t not in OWN_PACKAGES and t not in sys.stdlib_module_names}


def read_modules(root: Path) -> dict[str, tuple[set[str], set[str]]]:
    """Every module of the own packages under ``root``: its internal and third-party imports."""
    modules: dict[str, tuple[set[str], set[str]]] = {}
    for package in sorted(OWN_PACKAGES):
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            modules[name] = module_imports(name, is_package, path.read_text(encoding="utf-8"))
    return modules


def _internal(dotted: set[str], known: set[str]) -> set[str]:
    """The own modules a set of imported names loads (each name's packages included)."""
    found = set()
    for name in dotted:
        parts = name.split(".")
        found.update(
            ".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in known
        )
    return found


def server_closure(modules: dict[str, tuple[set[str], set[str]]]) -> set[str]:
    """The modules outside ``sync/server`` that the server loads, directly or not."""
    known = set(modules)
    todo = [m for m in modules if m == SERVER or m.startswith(SERVER + ".")]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_internal(modules[module][0], known) - seen)
    return {m for m in seen if not (m == SERVER or m.startswith(SERVER + "."))}


def side_of(module: str, closure: set[str]) -> str:
    if module == SERVER or module.startswith(SERVER + "."):
        return "server"
    return "base" if module in closure else "kiosk"


def wrong_side_imports(root: Path, requirements: dict[str | None, set[str]]) -> list[str]:
    """``module: import name`` for each third-party import its side does not install."""
    allowed = {
        "server": requirements.get(None, set()) | requirements.get("server", set()),
        "base": requirements.get(None, set()),
        "kiosk": requirements.get(None, set()) | requirements.get("kiosk", set()),
    }
    where = {
        "server": "the base or the server extra",
        "base": "the base (the server imports this module)",
        "kiosk": "the base or the kiosk extra",
    }
    providers = packages_distributions()
    modules = read_modules(root)
    closure = server_closure(modules)
    problems = []
    for module, (_, third_party) in sorted(modules.items()):
        side = side_of(module, closure)
        for name in sorted(third_party):
            dists = {_normalise(d) for d in providers.get(name, [])}
            if not dists:
                problems.append(f"{module}: import {name} (no installed distribution has it)")
            elif not dists & allowed[side]:
                problems.append(
                    f"{module}: import {name} (provided by {', '.join(sorted(dists))}, "
                    f"not in {where[side]} in pyproject.toml)"
                )
    return problems


def test_every_third_party_import_is_installed_by_its_side():
    problems = wrong_side_imports(ROOT, installed_requirements())
    assert not problems, "imports their side does not install:\n" + "\n".join(problems)


def test_the_server_loads_the_core_parts_it_needs_and_no_kiosk_shell():
    closure = server_closure(read_modules(ROOT))
    # what the route page, the folders and the key checks use; a sanity check of the walk
    for module in (
        "kiosk.core.events",
        "kiosk.core.wayfinding.maps",
        "kiosk.core.config.i18n",
        "kiosk.core.keys.hierarchy",
        "sync.protocol",
    ):
        assert module in closure, f"the walk missed {module}"
    shell = sorted(m for m in closure if not m.startswith(("kiosk.core", "sync")) and m != "kiosk")
    assert not shell, f"the server loads kiosk shell modules: {shell}"
    assert not {"sync.client", "sync.apply"} & closure


def test_the_installed_requirements_are_those_of_pyproject():
    # the checks above read the installed metadata; a stale install would make them lie
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared: dict[str | None, set[str]] = {
        None: {_requirement_name(r) for r in project["dependencies"]}
    }
    for extra, requirements in project["optional-dependencies"].items():
        declared[extra] = {_requirement_name(r) for r in requirements}
    assert installed_requirements() == declared, "the install is stale: run scripts/install test"
    assert {"kiosk", "server", "test"} <= set(declared)
    assert not declared[None] & (declared["kiosk"] | declared["server"])
    assert "kivy" in declared["kiosk"] and "fastapi" in declared["server"]


def test_an_import_the_other_side_provides_is_named(tmp_path):
    def write(relative: str, source: str) -> None:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")

    write("kiosk/__init__.py", "")
    write("kiosk/core/__init__.py", "")
    # reached from the server through a relative import inside a function: base only
    write("kiosk/core/maps.py", "import json\n\ndef draw():\n    import kivy\n    import PIL\n")
    write("kiosk/core/enroll.py", "from . import maps\n\ndef f():\n    import httpx\n")
    write("kiosk/screen.py", "import kivy\nimport sqlalchemy\n")
    write("sync/__init__.py", "")
    write(
        "sync/client.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import fastapi\n",
    )
    write("sync/server/__init__.py", "")
    write("sync/server/app.py", "import fastapi\nimport pypinyin\nfrom kiosk.core import enroll\n")
    requirements = installed_requirements()
    requirements[None] = requirements[None] - {"httpx"}
    assert wrong_side_imports(tmp_path, requirements) == [
        "kiosk.core.enroll: import httpx (provided by httpx, not in the base (the server imports "
        "this module) in pyproject.toml)",
        "kiosk.core.maps: import kivy (provided by kivy, not in the base (the server imports "
        "this module) in pyproject.toml)",
        "kiosk.screen: import sqlalchemy (provided by sqlalchemy, not in the base or the kiosk "
        "extra in pyproject.toml)",
        "sync.server.app: import pypinyin (provided by pypinyin, not in the base or the server "
        "extra "
        "in pyproject.toml)",
    ]


def test_head_office_is_reached_with_requests_and_httpx_is_for_tests_only():
    # one head-office client (sync/client.py) on requests; FastAPI's TestClient needs httpx
    requirements = installed_requirements()
    runtime = (
        requirements[None] | requirements.get("kiosk", set()) | requirements.get("server", set())
    )
    assert "requests" in runtime and "httpx" not in runtime
    assert "httpx" in requirements["test"]

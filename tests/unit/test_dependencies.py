"""Every third-party module that kiosk/ and sync/ import is a declared runtime dependency.

The test suite installs the ``test`` extra, so an import that only the extra provides (httpx
once was one) passes every other test and crashes a real install. This test reads the imports
of every module with ``ast`` and checks each top-level name against the distributions the
installed ``lobby-kiosk`` declares outside its extras.
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
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = NAME.match(requirement)
    assert match, f"cannot read a distribution name from {requirement!r}"
    return _normalise(match.group(1))


def runtime_requirements() -> set[str]:
    """Distribution names the installed lobby-kiosk requires without any extra."""
    requires = distribution("lobby-kiosk").requires or []
    return {_requirement_name(r) for r in requires if "extra ==" not in r.partition(";")[2]}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(source: str) -> set[str]:
    """Top-level names of the absolute imports a module runs (functions included, not the
    ``if TYPE_CHECKING:`` blocks, which never run)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def undeclared_imports(root: Path, declared: set[str]) -> list[str]:
    """``module: import name`` for each third-party import no declared distribution provides."""
    providers = packages_distributions()
    problems = []
    for package in sorted(OWN_PACKAGES):
        for path in sorted((root / package).rglob("*.py")):
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            for name in sorted(runtime_imports(path.read_text(encoding="utf-8"))):
                if name in sys.stdlib_module_names or name in OWN_PACKAGES:
                    continue
                dists = {_normalise(d) for d in providers.get(name, [])}
                if not dists:
                    problems.append(f"{module}: import {name} (no installed distribution has it)")
                elif not dists & declared:
                    problems.append(
                        f"{module}: import {name} (provided by {', '.join(sorted(dists))}, "
                        "not a runtime dependency in pyproject.toml)"
                    )
    return problems


def test_every_third_party_import_is_a_declared_runtime_dependency():
    problems = undeclared_imports(ROOT, runtime_requirements())
    assert not problems, "undeclared runtime imports:\n" + "\n".join(problems)


def test_the_installed_requirements_are_those_of_pyproject():
    # the check above reads the installed metadata; a stale install would make it lie
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_requirement_name(r) for r in project["dependencies"]}
    assert runtime_requirements() == declared, "the install is stale: run scripts/install test"


def test_head_office_is_reached_with_requests_and_httpx_is_for_tests_only():
    # one head-office client (sync/client.py) on requests; FastAPI's TestClient needs httpx
    runtime = runtime_requirements()
    assert "requests" in runtime and "httpx" not in runtime
    extras = distribution("lobby-kiosk").requires or []
    assert any(_requirement_name(r) == "httpx" and "extra == " in r for r in extras)


def test_an_import_only_the_test_extra_provides_is_named(tmp_path):
    (tmp_path / "kiosk" / "core").mkdir(parents=True)
    (tmp_path / "sync").mkdir()
    (tmp_path / "kiosk" / "core" / "enroll.py").write_text(
        "from __future__ import annotations\nimport json\nfrom kiosk.core import x\n"
        "from . import y\n\ndef f():\n    import httpx\n",
        encoding="utf-8",
    )
    (tmp_path / "sync" / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pytest\n",
        encoding="utf-8",
    )
    assert undeclared_imports(tmp_path, runtime_requirements()) == [
        "kiosk.core.enroll: import httpx (provided by httpx, not a runtime dependency in "
        "pyproject.toml)"
    ]

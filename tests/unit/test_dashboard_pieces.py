"""The dashboard's pure parts: formula-safe CSV, phone masks, passwords and every catalogue
key its templates use (both languages have every key: test_catalogues.py)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from kiosk.core.config.errors import ValidationError
from kiosk.core.config.i18n import catalogue
from sync.server.dashboard import accounts
from sync.server.dashboard.csv_export import BOM, csv_text, safe_cell
from sync.server.dashboard.models import ROLES
from sync.server.dashboard.queries import STATES, mask_phone

TEMPLATES = Path(accounts.__file__).parent / "templates"


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("张伟", "张伟"),
        ("a=b", "a=b"),
        (-2, "-2"),
        (None, ""),
    ],
)
def test_cells_that_would_run_as_formulas_are_text(cell: object, written: str) -> None:
    assert safe_cell(cell) == written


def test_a_csv_file_starts_with_a_bom_and_reads_back() -> None:
    text = csv_text(["name", "note"], [["张伟", '=HYPERLINK("http://x")']])
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows == [["name", "note"], ["张伟", '\'=HYPERLINK("http://x")']]


def test_phone_numbers_are_masked_on_pages() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("1234") == "****"


def test_short_passwords_are_refused_and_hashes_are_argon2() -> None:
    with pytest.raises(ValidationError):
        accounts.hash_password("short")
    assert accounts.hash_password("long enough password").startswith("$argon2id$")


def test_every_role_has_permissions_and_only_admins_read_the_audit_log() -> None:
    assert set(accounts.ALLOWED) == set(ROLES)
    assert [r for r in ROLES if "audit" in accounts.ALLOWED[r]] == ["admin"]
    assert "personal" not in accounts.ALLOWED["viewer"]


_KEY = re.compile(r"""\bt\(\s*['"](dashboard\.[a-z0-9_.]+)['"]""")


def test_every_key_the_templates_and_pages_use_is_in_the_catalogue() -> None:
    known = set(catalogue("en")) & set(catalogue("zh_CN"))
    used: set[str] = set()
    for path in [*TEMPLATES.glob("*.html"), *TEMPLATES.parent.glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= {k for k in _KEY.findall(text) if not k.endswith(".")}
        used |= set(re.findall(r"""['"](dashboard\.(?:login|site)\.[a-z_]+)['"]""", text))
    # keys built from a value: the roles, visit states and alert tabs
    used |= {f"dashboard.role.{r}" for r in ROLES}
    used |= {f"dashboard.state.{s}" for s in STATES}
    used |= {f"dashboard.alerts.{s}" for s in ("open", "acknowledged", "all")}
    used |= {f"dashboard.report.weekday.{d}" for d in range(7)}
    used |= {f"dashboard.invitations.{s}" for s in ("pending", "used", "cancelled")}
    assert len(used) > 100, "the scan found too few keys: the pattern is broken"
    assert sorted(used - known) == []

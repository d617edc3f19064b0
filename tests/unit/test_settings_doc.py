"""docs/configuration.md is generated from the settings definition and kept current."""

from __future__ import annotations

import dataclasses

from kiosk.core.config import settings_doc
from kiosk.core.config.settings import SECTIONS, Settings


def test_every_key_has_a_meaning_in_the_definition() -> None:
    assert settings_doc.undocumented() == [], (
        "add a #: comment above each of these fields in kiosk/core/config/settings.py"
    )


def test_every_key_is_in_the_page() -> None:
    names = {d.name for d in settings_doc.key_docs()}
    defaults = Settings()
    expected = {f"{s}.{f.name}" for s in SECTIONS for f in dataclasses.fields(getattr(defaults, s))}
    assert names == expected
    page = settings_doc.render()
    for name in ("printer.queue", "printer.address", "printer.out_dir", "printer.template"):
        assert f"| `{name}` |" in page
    assert "| `printer.badge_valid_hours` | `12` |" in page
    assert "| `head_office.batch_size` | `500` |" in page


def test_the_page_in_the_repository_is_current() -> None:
    on_disk = settings_doc.DOC_PATH.read_text(encoding="utf-8")
    assert on_disk == settings_doc.render(), (
        "docs/configuration.md is stale: scripts/gen-config-doc"
    )
    assert settings_doc.main(["--check"]) == 0


def test_a_key_without_a_comment_fails_the_check(monkeypatch, capsys) -> None:
    real = settings_doc._comments

    def without_one() -> dict:
        found = dict(real())
        found.pop(("PrinterSettings", "queue"))
        return found

    monkeypatch.setattr(settings_doc, "_comments", without_one)
    assert settings_doc.undocumented() == ["printer.queue"]
    assert settings_doc.main(["--check"]) == 1
    assert "printer.queue" in capsys.readouterr().err

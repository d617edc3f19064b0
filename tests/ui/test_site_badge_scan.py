"""A genuine badge of a visit made at another kiosk of the site, scanned here (issue 14, item 2).

The real app offscreen: the badge is signed with the site's badge key (here the app's own key,
which a kiosk of the same site shares), for a visit this kiosk has never seen. The visitor gets
the normal goodbye and the check-out is in the outbox for head office; a forged badge is refused
with the usual message.
"""

from __future__ import annotations

import pytest

from kiosk.core.badges.tokens import peek, sign
from kiosk.core.store.database import new_id

pytestmark = pytest.mark.ui


def _overlay_texts() -> list[str]:
    """The texts of the message overlays open on the window."""
    from kivy.core.window import Window

    return [w.text for w in Window.children if type(w).__name__ == "MessageOverlay"]


def test_a_badge_of_a_visit_made_elsewhere_says_goodbye(kiosk):
    app = kiosk.app
    visit_id = new_id()
    badge = app.services.badges.issue(visit_id)  # as the kiosk at the other entrance printed it
    assert app.services.records.visit(visit_id) is None
    kiosk.scan(badge)
    assert kiosk.screen == "goodbye"
    rows = app.services.store.query(
        "SELECT kind FROM outbox WHERE entity_id = ? ORDER BY seq", (visit_id,)
    )
    assert [r["kind"] for r in rows] == ["visit.checked_out"]


def test_a_forged_badge_of_an_unknown_visit_is_refused(kiosk):
    app = kiosk.app
    genuine = peek(app.services.badges.issue(new_id()))
    forged = sign(
        visit_id=genuine.visit_id,
        site_id=genuine.site_id,
        expires_at=genuine.expires_at,
        key=b"not the site key" * 2,
    )
    before = kiosk.screen
    kiosk.scan(forged)
    kiosk.wait_for(lambda: app.t("badge.denied.forged") in _overlay_texts())
    assert kiosk.screen == before
    assert not app.services.store.query(
        "SELECT 1 FROM outbox WHERE entity_id = ?", (genuine.visit_id,)
    )

"""``FakeHeadOffice``: head office in-process, for unit tests.

The same ``HeadOffice`` protocol and contract as ``sync.client.HeadOfficeClient`` (one contract
test class runs against both, tests/integration/test_head_office_contract.py): codes that
enroll once, pushes acknowledged by UUID (a second push of the same event is a duplicate), a
change feed paged by cursor, the site's keys. ``fail_with`` makes every call raise that error
(head office down); ``revoked`` refuses the token; ``reject`` names UUIDs answered as rejected;
``answer_hlc`` is the clock stamp push answers carry.
"""

from __future__ import annotations

import secrets

from kiosk.core.config.errors import DeniedError, NotFoundError
from kiosk.core.head_office.protocol import EnrollAnswer
from kiosk.core.keys.site_keys import KeySet

from .protocol import ChangeOut, EventIn, KioskHealthIn, PullOut, PushIn, PushOut, RejectedEvent


class FakeHeadOffice:
    """In-process head office: acknowledges pushes, serves a change list, enrolls codes."""

    def __init__(self, url: str = "https://head-office.invalid", ca_bundle: str = "") -> None:
        self._url = url
        self._ca_bundle = ca_bundle
        self.pushed: list[EventIn] = []
        self.feed: list[ChangeOut] = []
        self.reject: set[str] = set()
        self.fail_with: Exception | None = None
        self.drop_answers = False
        self.answer_hlc = ""
        #: enrollment code → the answer it gives, once
        self.codes: dict[str, EnrollAnswer] = {}
        #: what ``fetch_keys`` answers; None: head office has no master secret yet
        self.keys: KeySet | None = None
        #: the token revoked at head office: every call but ``enroll`` is refused
        self.revoked = False
        self.closed = False
        #: the health reports received, oldest first
        self.health: list[KioskHealthIn] = []

    @property
    def url(self) -> str:
        return self._url

    @property
    def ca_bundle(self) -> str:
        return self._ca_bundle

    def add_code(self, site_id: str, kiosk_id: str = "") -> str:
        """A one-time code for a new kiosk of ``site_id`` (what ``kiosk-server add-kiosk`` does)."""
        code = secrets.token_hex(6).upper()
        self.codes[code] = EnrollAnswer(
            kiosk_id=kiosk_id or f"{site_id}-{len(self.codes) + 1}",
            site_id=site_id,
            site_name_zh=site_id,
            site_name_en=site_id,
            site_timezone="Asia/Shanghai",
            token="kt_" + secrets.token_hex(16),
        )
        return code

    def _check(self, *, token: bool = True) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        if token and self.revoked:
            raise DeniedError("head office refused this kiosk (401)", key="sync.denied")

    def enroll(self, code: str) -> EnrollAnswer:
        self._check(token=False)
        answer = self.codes.pop(code, None)
        if answer is None:
            raise DeniedError(
                "the enrollment code is unknown, used or expired", key="enroll.denied"
            )
        return answer

    def fetch_keys(self) -> KeySet:
        self._check()
        if self.keys is None:
            raise NotFoundError("head office has no master secret (run kiosk-server migrate)")
        return self.keys

    def push(self, body: bytes) -> PushOut:
        self._check()
        request = PushIn.model_validate_json(body)
        known = {e.uuid for e in self.pushed}
        stored, duplicate, rejected = [], [], []
        for e in request.events:
            if e.uuid in self.reject:
                rejected.append(RejectedEvent(uuid=e.uuid, reason="rejected by the fake"))
            elif e.uuid in known:
                duplicate.append(e.uuid)
            else:
                self.pushed.append(e)
                known.add(e.uuid)
                stored.append(e.uuid)
        if self.drop_answers:
            stored = stored[:-1]
        return PushOut(stored=stored, duplicate=duplicate, rejected=rejected, hlc=self.answer_hlc)

    def pull(self, after: int, limit: int, *, wait: float = 0.0) -> PullOut:
        """``wait`` is not held here: the answer is at once (the worker copes, as with a head
        office that does not hold pulls)."""
        self._check()
        waiting = [c for c in self.feed if c.cursor > after]
        page = waiting[:limit]
        return PullOut(
            changes=page, cursor=page[-1].cursor if page else after, more=len(waiting) > limit
        )

    def report_health(self, body: bytes) -> None:
        self._check()
        self.health.append(KioskHealthIn.model_validate_json(body))

    def close(self) -> None:
        self.closed = True

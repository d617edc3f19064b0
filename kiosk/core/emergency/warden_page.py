"""The kiosk's roll-call page for floor wardens' phones: a small HTTP server on the LAN.

``GET /w/<token>`` shows the roll call of the emergency under way (those still to find first),
each person with "accounted for" / "missing" buttons; ``POST /w/<token>`` (a form:
``person_id``, ``status``) makes the same ``emergency.marked`` entry the console makes, in the
name of the staff member who handed the link out (``phone:<staff id>``), so the site's other
kiosks get it over the peer link and head office through the outbox. The token is a warden
link (``warden_links``): signed with a key derived from the site's peer key, for this
incident only, expiring. Head office plays no part: it works with head office down.

Every request is checked before anything is read from the store: the path (one token, at
most ``MAX_PATH`` characters), the method, a form's type and size (at most ``MAX_FORM``
bytes, exactly the two fields, a person on the roll call, a known status). Refusals answer
with a translated page and the right status (400, 403, 404, 405, 413, 415); nothing is
marked. Responses are never cached, send no referrer (the token is in the URL) and allow no
script. Plain HTTP: serve it on the staff network only (docs/emergency.md).

A worker on the one worker abstraction: each round takes at most one request (a site has a
handful of wardens), every read bounded by ``READ_TIMEOUT``.
"""

from __future__ import annotations

import html
import logging
import re
import select
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kiosk.core.config.clock import Clock
from kiosk.core.config.errors import DeniedError, KioskError
from kiosk.core.config.i18n import LOCALE_DIR, translate
from kiosk.core.emergency import warden_links
from kiosk.core.emergency.peers.link import parse_address
from kiosk.core.emergency.roster import RollCall
from kiosk.core.emergency.service import EmergencyMode
from kiosk.core.keys.hierarchy import SiteKey
from kiosk.core.workers.worker import Worker

log = logging.getLogger(__name__)

MAX_PATH = 700
MAX_FORM = 1024
READ_TIMEOUT = 5.0
LINK_MINUTES = 120
_PERSON = re.compile(r"^[A-Za-z0-9_.:\-]{1,80}$")
_ORDER = {"missing": 0, "unknown": 1, "accounted": 2, "left": 3}
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


class Refusal(Exception):
    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


class _Server(HTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("warden page: a request from %s failed", client_address[0])


class WardenPage(Worker):
    """Serves the warden page on ``[emergency] warden_listen``."""

    def __init__(
        self,
        *,
        mode: EmergencyMode,
        key: Callable[[], SiteKey | None],
        listen: str,
        clock: Clock,
        site_name: Callable[[str], str],
        default_language: str = "zh_CN",
    ) -> None:
        super().__init__(name="emergency-warden-page", clock=clock)
        self.mode = mode
        self.key = key
        self.site_name = site_name
        self.default_language = default_language
        self.httpd = _Server(parse_address(listen), _handler(self), bind_and_activate=True)
        self.httpd.timeout = 0
        #: marks made from phones since start (tests read it)
        self.marks = 0
        self._tokens: dict[tuple[str, str, int], tuple[int, str]] = {}

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def due_in(self) -> float | None:
        return 0.0  # the round waits in select, not on the clock

    def run_once(self) -> bool:
        ready, _, _ = select.select([self.httpd.socket], [], [], 0.25)
        if not ready:
            return False
        self.httpd.handle_request()
        return True

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        self.httpd.server_close()

    # -- links -----------------------------------------------------------------------------
    def token(self, *, by: str) -> str | None:
        """A warden link's token for the emergency under way, handed out by staff ``by``;
        None with no emergency or no peer key."""
        key, incident = self.key(), self.mode.current()
        if key is None or incident is None:
            return None
        now = int(self.clock.now().timestamp())
        kept = self._tokens.get((incident.id, by, key.version))
        if kept is not None and kept[0] - now > LINK_MINUTES * 30:
            return kept[1]  # the same QR code while it has over half its time left
        expires = now + LINK_MINUTES * 60
        token = warden_links.sign(
            key,
            warden_links.WardenToken(
                site_id=self.mode.site_id, incident_id=incident.id, by=by, expires=expires
            ),
        )
        self._tokens[(incident.id, by, key.version)] = (expires, token)
        return token

    def _check(self, token: str) -> warden_links.WardenToken:
        key = self.key()
        keys = {key.version: key} if key is not None else {}
        try:
            found = warden_links.verify(
                keys, token, site_id=self.mode.site_id, now=self.clock.now()
            )
        except DeniedError as e:
            raise Refusal(403, e.message_key) from None
        incident = self.mode.current()
        if incident is None or incident.id != found.incident_id:
            raise Refusal(403, "emergency.warden.ended")
        return found

    # -- requests (on the worker's thread) -------------------------------------------------
    def get(self, path: str, query: str, accept_language: str) -> tuple[int, str]:
        lang = _language(query, accept_language, self.default_language)
        try:
            token = _token_of(path)
            self._check(token)
            return 200, self.page(token, lang, self.mode.roll_call())
        except Refusal as r:
            return r.status, self.notice(lang, r.key)

    def post(
        self, path: str, query: str, accept_language: str, content_type: str, body: bytes
    ) -> tuple[int, str]:
        lang = _language(query, accept_language, self.default_language)
        try:
            token = _token_of(path)
            found = self._check(token)
            if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
                raise Refusal(415, "emergency.warden.bad_request")
            person_id, status = _form(body)
            call = self.mode.roll_call()
            line = next((x for x in call.lines if x.person.person_id == person_id), None)
            if line is None:
                raise Refusal(400, "emergency.warden.not_on_list")
            try:
                self.mode.mark(by=f"phone:{found.by}", person_id=person_id, status=status)
            except KioskError as e:
                log.info("a mark from a phone was refused: %s", e)
                raise Refusal(403, "emergency.warden.ended") from None
            self.marks += 1
            done = self.t(
                "emergency.warden.marked",
                lang,
                name=line.person.name,
                status=self.t(f"emergency.status.{status}", lang),
            )
            return 200, self.page(token, lang, self.mode.roll_call(), done=done)
        except Refusal as r:
            return r.status, self.notice(lang, r.key)

    # -- pages -----------------------------------------------------------------------------
    def t(self, key: str, lang: str, **params: Any) -> str:
        return translate(key, lang, LOCALE_DIR, **params)

    def page(self, token: str, lang: str, call: RollCall, *, done: str = "") -> str:
        t = self.t
        action = html.escape(f"{warden_links.PATH}{token}?lang={lang}", quote=True)
        other = "en" if lang == "zh_CN" else "zh_CN"
        rows = []
        for line in sorted(call.lines, key=lambda x: _ORDER[x.status]):
            p = line.person
            detail = "  ".join(x for x in (p.company, p.host, p.where) if x)
            pid = html.escape(p.person_id, quote=True)
            state = t(f"emergency.status.{line.status}", lang)
            buttons = "".join(
                f'<button name="status" value="{s}" class="{s}">'
                f"{html.escape(t(f'emergency.mark.{s}', lang))}</button>"
                for s in ("accounted", "missing")
            )
            rows.append(
                f'<li class="{line.status}"><form method="post" action="{action}">'
                f'<input type="hidden" name="person_id" value="{pid}">'
                f"<b>{html.escape(p.name)}</b> <i>{html.escape(state)}</i>"
                f"<small>{html.escape(detail)}</small>{buttons}</form></li>"
            )
        counts = t("emergency.rollcall.counts", lang, total=len(call.lines), **call.counts())
        body = (
            f'<p class="counts">{html.escape(counts)}</p>'
            + (f'<p class="done">{html.escape(done)}</p>' if done else "")
            + f"<ul>{''.join(rows)}</ul>"
            + f'<p><a href="{warden_links.PATH}{html.escape(token)}?lang={other}">'
            + f"{html.escape(t('emergency.warden.other_language', lang))}</a></p>"
        )
        return _document(lang, t("emergency.warden.title", lang, site=self.site_name(lang)), body)

    def notice(self, lang: str, key: str) -> str:
        title = self.t("emergency.warden.title", lang, site=self.site_name(lang))
        return _document(lang, title, f'<p class="notice">{html.escape(self.t(key, lang))}</p>')


def _token_of(path: str) -> str:
    if len(path) > MAX_PATH or not path.startswith(warden_links.PATH):
        raise Refusal(404, "emergency.warden.invalid")
    token = path[len(warden_links.PATH) :]
    if not token or "/" in token:
        raise Refusal(404, "emergency.warden.invalid")
    return token


def _form(body: bytes) -> tuple[str, str]:
    try:
        fields = parse_qs(body.decode("ascii"), strict_parsing=True, max_num_fields=4)
    except (UnicodeDecodeError, ValueError):
        raise Refusal(400, "emergency.warden.bad_request") from None
    person = fields.get("person_id", [])
    status = fields.get("status", [])
    if set(fields) != {"person_id", "status"} or len(person) != 1 or len(status) != 1:
        raise Refusal(400, "emergency.warden.bad_request")
    if not _PERSON.match(person[0]) or status[0] not in ("accounted", "missing"):
        raise Refusal(400, "emergency.warden.bad_request")
    return person[0], status[0]


def _language(query: str, accept: str, default: str) -> str:
    asked = parse_qs(query[:200]).get("lang", [""])[0]
    if asked in ("zh_CN", "en"):
        return asked
    first = accept.split(",")[0].strip().lower()[:20]
    if first.startswith("en"):
        return "en"
    if first.startswith("zh"):
        return "zh_CN"
    return default if default in ("zh_CN", "en") else "zh_CN"


_STYLE = (
    "body{font:18px/1.4 sans-serif;margin:0;padding:12px;background:#fff;color:#111}"
    "h1{font-size:22px;margin:0 0 8px}ul{list-style:none;padding:0;margin:0}"
    "li{border-bottom:1px solid #ccc;padding:10px 0}li.missing b{color:#b00020}"
    "li.accounted b,li.left b{color:#1b5e20}i{font-style:normal;margin-left:6px;color:#555}"
    "small{display:block;color:#555;margin:2px 0 6px}"
    "button{font-size:18px;padding:10px 14px;margin-right:8px;border-radius:6px;"
    "border:1px solid #333;background:#f4f4f4}"
    "button.missing{border-color:#b00020;color:#b00020}.counts{font-weight:bold}"
    ".done{background:#e8f5e9;padding:8px}.notice{font-size:20px}"
)


def _document(lang: str, title: str, body: str) -> str:
    code = "zh-CN" if lang == "zh_CN" else "en"
    return (
        f'<!doctype html><html lang="{code}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def _handler(page: WardenPage) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = READ_TIMEOUT
        server_version = "lobbykiosk"
        sys_version = ""

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            self._answer(*page.get(url.path, url.query, self.headers.get("Accept-Language", "")))

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            accept = self.headers.get("Accept-Language", "")
            lang = _language(url.query, accept, page.default_language)
            length = self.headers.get("Content-Length", "")
            if not length.isdigit():
                self.close_connection = True
                self._answer(411, page.notice(lang, "emergency.warden.bad_request"))
                return
            if int(length) > MAX_FORM:
                self.close_connection = True
                self._answer(413, page.notice(lang, "emergency.warden.bad_request"))
                return
            body = self.rfile.read(int(length))
            kind = self.headers.get("Content-Type", "")
            self._answer(*page.post(url.path, url.query, accept, kind, body))

        def _refuse_method(self) -> None:
            url = urlsplit(self.path)
            lang = _language(
                url.query, self.headers.get("Accept-Language", ""), page.default_language
            )
            self.close_connection = True  # its body is not read
            self._answer(405, page.notice(lang, "emergency.warden.bad_request"))

        do_PUT = do_DELETE = do_PATCH = _refuse_method

        def _answer(self, status: int, text: str) -> None:
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in _HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            # the path holds the link's token: log the status only
            log.debug("warden page: %s", args[1] if len(args) > 1 else "")

    return Handler

"""The way to a room on the visitor's phone: ``GET /route/<token>``, a public read-only page.

The kiosk's directions screen shows a QR code of a signed route link
(``kiosk.core.wayfinding.route_links``); this page checks the token with the site's route key,
routes from the kiosk to the goal in the site's building (the latest one uploaded, ``buildings.py``)
and answers plain HTML: the steps in the token's language with the other language beneath, and each
floor's map as an inline PNG (``data:`` URI), so the page keeps working in an elevator with no
signal once it has loaded. No JavaScript, no personal data: the token names a room, never a person.
A forged, malformed or expired token, a site without a building or a room not in it gets a short
bilingual page with a 4xx status, never an error trace. The site's postal address
(``site_address.py``), when set, is in the header: the links in invitation mails
(``mail_directions.py``) open this page days before the visit.

Keys: the site's route-link key, derived from head office's master secret (``keys.py``); a token
names its key's version, and one signed before a rotation works until it could have expired.
Without a master secret every link gets the "invalid" page. Rendered pages are cached per
building version, goal, accessibility and language, since every visitor to the same room gets the
same page.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import threading
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse
from PIL import Image, ImageChops

from kiosk.core.config.clock import Clock, SystemClock
from kiosk.core.config.errors import DeniedError, NotFoundError
from kiosk.core.config.i18n import translate
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.wayfinding.map_style import BACKGROUND
from kiosk.core.wayfinding.maps import (
    _header,  # the floor-name band's height, kept when trimming
    render_floor,
)
from kiosk.core.wayfinding.model import Building
from kiosk.core.wayfinding.phrasing import instructions, summary
from kiosk.core.wayfinding.route_links import LANGS, ROUTE_PATH, RouteToken, peek_key, verify
from kiosk.core.wayfinding.routes import Route, route

from .api.deps import SessionDep
from .buildings import site_building
from .keys import verifying_key
from .models import Site
from .site_address import address_in

log = logging.getLogger(__name__)

router = APIRouter(tags=["pages"])

#: pixels each floor map is drawn at (a phone shows it 100 % wide, sharp on 2-3x screens)
MAP_SIZE = (960, 720)
_CACHE_MAX = 64
_HEADERS = {
    # the page may stay on the phone for the walk; it is the same for every visitor
    "Cache-Control": "private, max-age=3600",
    "Content-Security-Policy": (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}
_STYLE = (
    "body{font-family:system-ui,-apple-system,'PingFang SC','Noto Sans SC',sans-serif;"
    "margin:0 auto;max-width:40rem;padding:0 1rem 2rem;line-height:1.5;color:#1c2129}"
    "header{padding:1rem 0 .5rem;border-bottom:1px solid #dde1e6}"
    "h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .4rem}"
    ".sub{color:#5a626b;font-size:.95rem}.summary{font-size:1.15rem;font-weight:600;"
    "margin:.8rem 0}.note{background:#e8f1fb;border-radius:.4rem;padding:.4rem .6rem}"
    "ol{padding-left:1.6rem}li{margin:.5rem 0}li .sub{display:block}"
    "img{width:100%;height:auto;border:1px solid #dde1e6;border-radius:.4rem}"
    "a{color:#1565c0}.lang{float:right;margin-top:1rem}"
)


def _clock(request: Request) -> Clock:
    return getattr(request.app.state, "clock", None) or SystemClock()


def _other(lang: str) -> str:
    return "en" if lang == "zh_CN" else "zh_CN"


def _html_lang(lang: str) -> str:
    return "zh-CN" if lang == "zh_CN" else "en"


def _document(lang: str, title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{_html_lang(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def _refusal(key: str, code: int) -> HTMLResponse:
    """A short page in both languages (the token's language may be unknown)."""
    e = html.escape
    zh_title, en_title = translate("route.page.title", "zh_CN"), translate("route.page.title", "en")
    body = (
        f"<header><h1>{e(zh_title)}<br><span class=sub>{e(en_title)}</span></h1></header>"
        f'<p id="message">{e(translate(key, "zh_CN"))}<br>'
        f"<span class=sub>{e(translate(key, 'en'))}</span></p>"
    )
    headers = {**_HEADERS, "Cache-Control": "no-store"}
    return HTMLResponse(
        _document("zh_CN", f"{zh_title} · {en_title}", body), status_code=code, headers=headers
    )


def _trim(image: Any) -> Any:
    """Drop the empty bands above and below the floor: a wide floor on a phone's narrow screen
    would otherwise sit in a tall white box. The floor-name band at the top stays."""
    header = _header(image.size)
    below = image.crop((0, header, image.width, image.height))
    box = ImageChops.difference(below, Image.new(image.mode, below.size, BACKGROUND)).getbbox()
    if box is None:
        return image
    margin = round(image.height * 0.03)
    top, bottom = max(0, box[1] - margin), min(below.height, box[3] + margin)
    out = Image.new(image.mode, (image.width, header + bottom - top), BACKGROUND)
    out.paste(image.crop((0, 0, image.width, header)), (0, 0))
    out.paste(below.crop((0, top, image.width, bottom)), (0, header))
    return out


def _png(image: Any) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")  # optimize=True: 3x the time for 6 % less
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _place(building: Building, r: Route, lang: str) -> str:
    goal = r.goal
    if goal.room:
        text = translate("route.page.room", lang, room=goal.room)
        name = goal.name.text(lang) if goal.name else ""
        return f"{text} · {name}" if name and name != goal.room else text
    return goal.name.text(lang) if goal.name else goal.waypoint


def _address_line(address: str, lang: str) -> str:
    if not address:
        return ""
    text = translate("route.page.address", lang, address=address)
    return f'<div class=sub id="address">{html.escape(text)}</div>'


def render_route_page(building: Building, r: Route, lang: str, *, address: str = "") -> str:
    """The page for one route (pure: the building, the route and the site's postal address in
    ``lang`` decide it)."""
    e = html.escape
    other = _other(lang)
    steps_main, steps_other = instructions(r, lang), instructions(r, other)
    minutes = max(1, round(r.seconds / 60))
    place = _place(building, r, lang)
    title = translate("route.page.heading", lang, place=place)
    title_other = translate("route.page.heading", other, place=_place(building, r, other))
    parts = [
        f'<a class="lang" href="?lang={other}" hreflang="{_html_lang(other)}">'
        f"{e(translate('route.page.other_lang', lang))}</a>",
        f"<header><h1>{e(title)}</h1>",
        f"<div class=sub>{e(title_other)}</div>",
        f"<div class=sub>{e(building.name.text(lang))} · "
        f"{e(translate('route.page.walk', lang, minutes=minutes))}</div>",
        _address_line(address, lang),
        "</header>",
        f'<p class="summary" id="summary">{e(summary(r, lang))}</p>',
    ]
    if r.accessible:
        parts.append(f'<p class="note">{e(translate("route.page.accessible", lang))}</p>')
    parts.append(f"<h2>{e(translate('route.page.steps', lang))}</h2><ol id=steps>")
    for main, second in zip(steps_main, steps_other, strict=True):
        parts.append(f'<li lang="{_html_lang(lang)}">{e(main)}')
        parts.append(f'<span class=sub lang="{_html_lang(other)}">{e(second)}</span></li>')
    parts.append("</ol>")
    for index, floor_id in enumerate(r.floors):
        floor = building.floor_by_id[floor_id]
        name = floor.name.text(lang)
        image = _trim(render_floor(building, floor_id, r, size=MAP_SIZE, lang=lang))
        alt = translate("route.page.map_alt", lang, floor=name)
        parts.append(
            f"<h2>{index + 1}. {e(name)}</h2>"
            f'<img class="map" src="{_png(image)}" alt="{e(alt)}" '
            f'width="{image.width}" height="{image.height}">'
        )
    return _document(lang, title, "".join(parts))


_pages: OrderedDict[tuple[str, str, bool, str, str], str] = OrderedDict()
_pages_lock = threading.Lock()


def _cached_page(
    sha: str, building: Building, token: RouteToken, lang: str, address: str = ""
) -> str:
    """``NotFoundError`` if the goal is not in the building or cannot be reached."""
    key = (sha, token.goal, token.accessible, lang, address)
    with _pages_lock:
        page = _pages.get(key)
        if page is not None:
            _pages.move_to_end(key)
            return page
    if token.goal.startswith("room:") and token.target not in building.room_by_number:
        raise NotFoundError(f"no room {token.target!r}", key="route.page.unknown_place")
    r = route(building, None, token.target, accessible=token.accessible)
    page = render_route_page(building, r, lang, address=address)
    with _pages_lock:
        _pages[key] = page
        while len(_pages) > _CACHE_MAX:
            _pages.popitem(last=False)
    return page


@router.get(ROUTE_PATH + "{token}", response_class=HTMLResponse, include_in_schema=True)
def route_page(
    token: str, request: Request, session: SessionDep, lang: str | None = None
) -> HTMLResponse:
    """The way from the site's kiosk to a room, for a phone (signed link from the kiosk's QR)."""
    try:
        site_id, version = peek_key(token)
        with session.begin():
            found = (
                verifying_key(session, site_id, KeyPurpose.ROUTE_LINK, version) if site_id else None
            )
        if found is None:
            raise DeniedError("no such route key here", key="route.page.invalid")
        key, honoured_until = found
        parsed = verify(key, token, now=_clock(request).now())
        if honoured_until is not None and parsed.expires > honoured_until.timestamp():
            raise DeniedError("route token of a retired key outlives it", key="route.page.expired")
    except DeniedError as e:
        expired = e.message_key == "route.page.expired"
        return _refusal(
            e.message_key,
            status.HTTP_410_GONE if expired else status.HTTP_400_BAD_REQUEST,
        )
    shown = lang if lang in LANGS else parsed.lang
    with session.begin():
        current = site_building(session, parsed.site_id)
        site = session.get(Site, parsed.site_id)
        address = address_in(site, shown) if site is not None else ""
    if current is None:
        return _refusal("route.page.no_building", status.HTTP_404_NOT_FOUND)
    try:
        page = _cached_page(current.sha256, current.building, parsed, shown, address)
    except NotFoundError as e:
        log.info("route page for %s: %s", parsed.site_id, e)
        return _refusal("route.page.unknown_place", status.HTTP_404_NOT_FOUND)
    return HTMLResponse(page, headers=_HEADERS)

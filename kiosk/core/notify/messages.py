"""Host messages: pure functions from a visit's facts to a subject, a text body and an HTML body.

Visitor data is arbitrary text typed on a public touchscreen, so every field is cleaned before
it is placed: no control characters or line breaks (a subject is one header line, a text
body's lines are ours), no bidi overrides, no lone surrogates (always valid UTF-8), bounded
length; and every field is HTML-escaped in the HTML body. Wording comes from the ``notify``
catalogues in the recipient's language.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.core.config.i18n import LANGUAGES, LOCALE_DIR, translate
from kiosk.core.notify.channels import Message

#: who a message goes to; each step of escalation is one stage
STAGES = ("host", "delegate", "department", "front_desk")
#: why a non-host stage is told: the host did not reply, is away, or could not be reached
REASONS = ("new", "no_reply", "away", "failed")

_FIELD_MAX = 80
_SUBJECT_MAX = 160
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_SPACES = re.compile(r"\s+")


def clean(value: object, max_len: int = _FIELD_MAX) -> str:
    """One safe line of text: valid UTF-8, no control/format/separator characters, bounded."""
    text = str(value if value is not None else "")
    # lone surrogates cannot be encoded; replace them instead of failing a send later
    text = text.encode("utf-8", "replace").decode("utf-8")
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp") or ch in _BIDI:
            out.append(" ")
        elif cat in ("Cf", "Cs", "Cn") and ch not in "\u200d":
            continue  # invisible formatting, unassigned code points: drop
        else:
            out.append(ch)
    text = _SPACES.sub(" ", "".join(out)).strip()
    if len(text) > max_len:
        text = text[: max_len - 1].rstrip() + "…"
    return text


def language(lang: str | None) -> str:
    """A language the catalogues have; Chinese variants → zh_CN, anything else → en."""
    if not lang:
        return "zh_CN"
    if lang in LANGUAGES:
        return lang
    return "zh_CN" if lang.lower().startswith("zh") else "en"


@dataclass(frozen=True, slots=True)
class HostMessageContext:
    """Everything a host message says. Names already in the recipient's language."""

    stage: str
    reason: str
    lang: str
    host_name: str
    visitor_name: str
    company: str
    purpose: str
    site_name: str
    #: the kiosk's name ("Lobby east"), or its id when it has none
    kiosk_name: str
    arrived_at: datetime
    timezone: str = "Asia/Shanghai"
    department_name: str = ""
    #: the reply links, or None when this kiosk has no head office to serve them
    coming_url: str | None = None
    wait_url: str | None = None
    wait_minutes: int = 5
    #: minutes the host has had to reply (for the "has not replied within" line)
    waited_minutes: int = 0
    #: minutes the reply links stay valid
    links_valid_minutes: int = 60


def _local_time(at: datetime, tz: str) -> str:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def purpose_text(purpose: str, lang: str) -> str:
    key = f"notify.purpose.{purpose}"
    text = translate(key, lang)
    return clean(purpose) if text == key else text


def render_host_message(ctx: HostMessageContext) -> Message:
    """The message for one recipient. Pure: same context, same message."""
    if ctx.stage not in STAGES:
        raise ValueError(f"unknown stage {ctx.stage!r}")
    lang = language(ctx.lang)

    def t(key: str, **params: object) -> str:
        return translate(key, lang, LOCALE_DIR, **params)

    visitor = clean(ctx.visitor_name) or t("notify.unknown_visitor")
    company = clean(ctx.company)
    host = clean(ctx.host_name) or t("notify.unknown_host")
    site = clean(ctx.site_name)
    department = clean(ctx.department_name)
    who = t("notify.visitor_with_company", visitor=visitor, company=company) if company else visitor
    params = {"visitor": who, "host": host, "site": site, "department": department}

    subject = clean(t(f"notify.subject.{ctx.stage}", **params), _SUBJECT_MAX)

    intro_key = (
        "notify.body.intro.host"
        if ctx.stage == "host"
        else (
            "notify.body.intro.front_desk"
            if ctx.stage == "front_desk"
            else "notify.body.intro.other"
        )
    )
    intro = t(intro_key, **params)
    reason = ""
    if ctx.stage != "host" and ctx.reason in ("no_reply", "away", "failed"):
        reason = t(f"notify.body.reason.{ctx.reason}", host=host, minutes=ctx.waited_minutes)

    rows = [
        (t("notify.field.visitor"), visitor),
        (t("notify.field.company"), company or "—"),
        (t("notify.field.purpose"), purpose_text(ctx.purpose, lang)),
        (t("notify.field.host"), host),
        (t("notify.field.site"), site),
        (t("notify.field.kiosk"), clean(ctx.kiosk_name)),
        (t("notify.field.time"), _local_time(ctx.arrived_at, ctx.timezone)),
    ]
    has_links = bool(ctx.coming_url and ctx.wait_url) and ctx.stage != "front_desk"
    coming_label = t("notify.reply.coming")
    wait_label = t("notify.reply.wait", minutes=ctx.wait_minutes)
    footer = t("notify.footer", site=site)

    lines = [intro]
    if reason:
        lines.append(reason)
    lines.append("")
    lines += [t("notify.line", label=label, value=value) for label, value in rows]
    if has_links:
        lines.append("")
        lines.append(t("notify.reply.prompt"))
        lines.append(t("notify.line", label=coming_label, value=ctx.coming_url))
        lines.append(t("notify.line", label=wait_label, value=ctx.wait_url))
        lines.append(t("notify.reply.expires", minutes=ctx.links_valid_minutes))
    elif ctx.stage != "front_desk":
        lines += ["", t("notify.reply.none")]
    lines += ["", footer]
    text = "\n".join(lines)

    e = html.escape
    parts = [
        f'<html lang="{"zh-CN" if lang == "zh_CN" else "en"}"><head><meta charset="utf-8">'
        f"<title>{e(subject)}</title></head><body>",
        f"<p>{e(intro)}</p>",
    ]
    if reason:
        parts.append(f"<p><strong>{e(reason)}</strong></p>")
    # lines rather than a table, and each link written out: apprise derives the text/plain
    # part of an e-mail from this HTML, and a bare <a> would lose its URL there
    sep = e(t("notify.line", label="", value=""))
    parts.append("<p>" + "<br>".join(f"<b>{e(k)}</b>{sep}{e(v)}" for k, v in rows) + "</p>")
    if has_links:
        assert ctx.coming_url is not None and ctx.wait_url is not None
        links = [(coming_label, ctx.coming_url), (wait_label, ctx.wait_url)]
        parts.append(f"<p>{e(t('notify.reply.prompt'))}</p>")
        parts += [
            f'<p><b>{e(label)}</b>{sep}<a href="{e(url)}">{e(url)}</a></p>' for label, url in links
        ]
        expires = t("notify.reply.expires", minutes=ctx.links_valid_minutes)
        parts.append(f"<p><small>{e(expires)}</small></p>")
    elif ctx.stage != "front_desk":
        parts.append(f"<p>{e(t('notify.reply.none'))}</p>")
    parts.append(f"<p><small>{e(footer)}</small></p></body></html>")
    return Message(subject=subject, text=text, html="".join(parts))

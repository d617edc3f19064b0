"""Host message templates under arbitrary visitor data: no header or HTML injection, valid UTF-8."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.notify.messages import STAGES, HostMessageContext, clean, render_host_message

NASTY = "\ud800\udfff\r\n\x00\x0b\x0c\x1b\x85\u2028\u2029\u202e\u2066\ufeff<>&\"'{}%$\\/:;=\t"
# any code point, lone surrogates included, with a generous share of the nasty ones
text = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, categories=None), st.sampled_from(NASTY), st.characters()
    ),
    max_size=120,
)

COMING = "https://ho.example/api/v1/reply/AAAA.BBBB"
WAIT = "https://ho.example/api/v1/reply/CCCC.DDDD"


def ctx(stage: str, lang: str, links: bool, **fields: str) -> HostMessageContext:
    return HostMessageContext(
        stage=stage,
        reason="no_reply",
        lang=lang,
        host_name=fields.get("host", "李娜"),
        visitor_name=fields.get("visitor", "张伟"),
        company=fields.get("company", "星河"),
        purpose=fields.get("purpose", "meeting"),
        site_name=fields.get("site", "示范大厦"),
        kiosk_name=fields.get("kiosk", "kiosk-1"),
        arrived_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        department_name=fields.get("department", "研发部"),
        coming_url=COMING if links else None,
        wait_url=WAIT if links else None,
    )


class Shape(HTMLParser):
    """The tags, attributes and text of an HTML body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def shape(html: str) -> Shape:
    p = Shape()
    p.feed(html)
    p.close()
    return p


stages = st.sampled_from(STAGES)
langs = st.sampled_from(["zh_CN", "en"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stage=stages,
    lang=langs,
    links=st.booleans(),
    visitor=text,
    company=text,
    purpose=text,
    host=text,
    site=text,
    kiosk=text,
    department=text,
)
def test_no_injection_and_valid_utf8(stage, lang, links, **fields) -> None:
    message = render_host_message(ctx(stage, lang, links, **fields))
    benign = render_host_message(ctx(stage, lang, links))

    # valid UTF-8 everywhere (a lone surrogate would raise here)
    for part in (message.subject, message.text, message.html):
        part.encode("utf-8")

    # the subject is one header line: no control, separator or bidi characters
    assert not any(
        unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in "\u202e\u2066"
        for c in message.subject
    )
    assert message.subject.strip() == message.subject and message.subject

    # the text body has exactly the lines the template has: data cannot add a line
    assert len(message.text.split("\n")) == len(benign.text.split("\n"))

    # the HTML body has exactly the template's tags and attributes: data cannot add markup
    got, want = shape(message.html), shape(benign.html)
    assert got.tags == want.tags
    assert [name for name, _ in got.attrs] == [name for name, _ in want.attrs]
    assert {v for n, v in got.attrs if n == "href"} <= {COMING, WAIT}

    # the visitor's name is there, shown as text (escaped, not interpreted)
    name = clean(fields["visitor"])
    if name:
        assert name in message.text
        assert name in "".join(got.text)


@settings(max_examples=200, deadline=None)
@given(visitor=text, company=text, lang=langs)
def test_subject_survives_a_real_mime_round_trip(visitor, company, lang) -> None:
    message = render_host_message(ctx("host", lang, True, visitor=visitor, company=company))
    # built the way apprise's e-mail plugin builds it: MIMEText parts, a utf-8 Header subject
    mail = MIMEMultipart("alternative")
    mail["Subject"] = Header(message.subject, "utf-8")
    mail["To"] = "host@example.com"
    mail.attach(MIMEText(message.text, "plain", "utf-8"))
    mail.attach(MIMEText(message.html, "html", "utf-8"))
    parsed = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert parsed["Subject"] == message.subject
    assert parsed["Bcc"] is None and parsed["Cc"] is None
    assert list(parsed.keys()).count("To") == 1
    plain = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert plain.rstrip("\n") == message.text.rstrip("\n")


@given(value=text)
def test_clean_is_one_bounded_line_and_idempotent(value) -> None:
    once = clean(value)
    assert "\n" not in once and "\r" not in once and len(once) <= 80
    assert clean(once) == once
    once.encode("utf-8")

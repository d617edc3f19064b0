"""Routes a kiosk calls: enroll, push, pull. Scoped to the calling kiosk's own site."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.orm import Session

from ...protocol import (
    HEALTH_PATH,
    MAX_PULL_CHANGES,
    SUPPORTED_PROTOCOLS,
    EnrollIn,
    EnrollOut,
    ErrorOut,
    KioskHealthIn,
    PullOut,
    PushIn,
    PushOut,
)
from .. import attempts, folding, held_pulls, idle_pulls, kiosk_health, limits, pull_pages
from ..models import Kiosk, Site
from ..security import digest, new_kiosk_token, normalise_code
from .deps import Credentials, CurrentKiosk, SessionDep, kiosk_token, refused_kiosk

router = APIRouter(tags=["kiosk"])
_errors: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing, unknown or revoked token"},
    403: {"model": ErrorOut, "description": "not a kiosk token"},
}


@router.post(
    "/enroll",
    response_model=EnrollOut,
    responses={
        401: {"model": ErrorOut, "description": "unknown, used or expired code"},
        429: {"model": ErrorOut, "description": "too many failed attempts from this address"},
    },
)
def enroll(body: EnrollIn, session: SessionDep, request: Request) -> EnrollOut:
    """Trade a one-time enrollment code for this kiosk's id and secret token.

    Failures are logged (without the code) and slowed per address (429, ``attempts.py``)."""
    who = attempts.address(request)
    attempts.ENROLL.check(who)
    token = new_kiosk_token()
    now = datetime.now(UTC)
    with session.begin():
        row = session.execute(
            update(Kiosk)
            .where(
                Kiosk.code_hash == digest(normalise_code(body.code)),
                Kiosk.revoked_at.is_(None),
                Kiosk.code_expires_at > now,
            )
            .values(code_hash=None, token_hash=digest(token), enrolled_at=now)
            .returning(Kiosk.id, Kiosk.site_id, Kiosk.name)
        ).one_or_none()
        if row is None:
            attempts.ENROLL.failed(who)
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, detail="unknown, used or expired enrollment code"
            )
        site = session.get(Site, row.site_id)
        assert site is not None
        return EnrollOut(
            kiosk_id=row.id,
            site_id=site.id,
            site_name_zh=site.name_zh,
            site_name_en=site.name_en,
            site_timezone=site.timezone,
            token=token,
            kiosk_name=row.name or "",
        )


def _inline_schema(model: type[PushIn] | type[KioskHealthIn]) -> dict[str, Any]:
    """The model's JSON schema with its ``$defs`` inlined (for ``openapi_extra``)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


def _parse_push(raw: bytes) -> PushIn:
    try:
        return PushIn.model_validate_json(raw)
    except ValidationError as e:
        raise _invalid(e) from e


def _invalid(e: ValidationError) -> RequestValidationError:
    # no ``input``: it may be the whole body, or bytes that are not text
    return RequestValidationError(
        [
            {k: v for k, v in {**err, "loc": ("body", *err["loc"])}.items() if k != "input"}
            for err in e.errors(include_url=False, include_context=False)
        ]
    )


async def push_body(request: Request, kiosk: CurrentKiosk) -> bytes:
    """The push body, read only once the kiosk's token is good (``limits.py``)."""
    del kiosk  # depended on so the token is checked before one byte of the body is read
    return await limits.read_push_body(request)


@router.post(
    "/sync/push",
    response_model=PushOut,
    responses={
        **_errors,
        400: {"model": ErrorOut, "description": "unsupported protocol, or not gzip"},
        413: {"model": ErrorOut, "description": "body, inflated body or one event too large"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_schema(PushIn)}},
        }
    },
)
async def push(
    request: Request, kiosk: CurrentKiosk, raw: Annotated[bytes, Depends(push_body)]
) -> Response:
    """Store each event once and fold it; every UUID comes back stored, duplicate or rejected.

    The body may be sent with ``Content-Encoding: gzip``. Limits (``sync/server/limits.py``):
    16 MiB as sent and inflated, 100:1 inflation, 64 KiB per event payload.
    """
    # parsed, folded and committed in one hand-off to a worker thread (each hand-off of a
    # request costs CPU: a push took five, with its session and its answer's validation)
    answer = await run_in_threadpool(_store, request.app.state.sessionmaker, kiosk, raw)
    # a PushOut built by the fold: sent as it is, not validated a second time
    return Response(answer.model_dump_json(), media_type="application/json")


def _store(sessions: Callable[[], Session], kiosk: Kiosk, raw: bytes) -> PushOut:
    """The push's body parsed (pydantic's JSON parser), each event's size checked, then stored
    and folded in one transaction."""
    body = _parse_push(raw)
    limits.check_event_sizes(body.events, len(raw))
    if body.protocol not in SUPPORTED_PROTOCOLS:
        newest = max(SUPPORTED_PROTOCOLS)
        advice = "update head office" if body.protocol > newest else "update the kiosk"
        raise HTTPException(
            400,
            detail=f"protocol {body.protocol} not supported (this head office accepts "
            f"{', '.join(map(str, SUPPORTED_PROTOCOLS))}): {advice}",
        )
    with sessions() as session, session.begin():
        return folding.push(session, kiosk=kiosk, events=list(body.events))


async def health_body(request: Request, kiosk: CurrentKiosk) -> KioskHealthIn:
    """The health report, read only once the kiosk's token is good, and only so far."""
    del kiosk
    raw = await kiosk_health.read_health_body(request)
    try:
        return KioskHealthIn.model_validate_json(raw)
    except ValidationError as e:
        raise _invalid(e) from e


@router.post(
    HEALTH_PATH,
    status_code=204,
    response_class=Response,
    responses={**_errors, 413: {"model": ErrorOut, "description": "report over 4 KiB"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_schema(KioskHealthIn)}},
        }
    },
)
def health(
    kiosk: CurrentKiosk,
    body: Annotated[KioskHealthIn, Depends(health_body)],
    session: SessionDep,
) -> Response:
    """How the kiosk is doing (version, uptime, backlog, printer, disk, open alerts), sent
    after a sync round; kept as its latest report and counted as a sign of life."""
    with session.begin():
        kiosk_health.record(session, kiosk_id=kiosk.id, report=body, now=datetime.now(UTC))
    return Response(status_code=204)


@router.get("/sync/pull", response_model=PullOut, responses=_errors)
async def pull(
    request: Request,
    credentials: Credentials,
    after: Annotated[int, Query(ge=0, le=2**62, description="cursor from the last pull")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_CHANGES)] = 500,
    own: Annotated[
        bool, Query(description="also the kiosk's own events (a kiosk restored from a backup)")
    ] = False,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=held_pulls.MAX_WAIT,
            description="seconds to hold the answer while nothing is new (held_pulls.py)",
        ),
    ] = 0,
) -> Response:
    """Changes for the kiosk's site after ``after``: at most ``limit``, and at most 4 MiB of
    payloads (``more`` is then true).

    Not sent (``pull_pages.py``): the kiosk's own events (unless ``own``: a kiosk restored from a
    backup gets back what it did after the backup), visit events older than ``VISIT_FEED_HOURS``
    (a kiosk catching up, or new, needs today's open visits, not the site's history) and the
    visitor directory's ``visitor.known`` older than the site's retention period
    (``directory_days``: what returning-visitor matching needs, and nothing past the period).
    The cursor still moves past them, to the site's high-water mark once the feed is drained: a
    kiosk that sends that mark back ("nothing new", every idle round) is answered from one
    indexed read (its token and the site's mark), without the feed query. With ``wait``, that
    answer is held until the site's mark moves (then answered from a read made after the wake,
    ``held_answers.py``) or ``wait`` seconds pass. A cursor below the site's compaction horizon
    (``compaction.py``) gets one ``feed.resync`` change and cursor 0: the kiosk then reads the
    compacted snapshot and the changes after it.
    """
    token = kiosk_token(request, credentials)
    engine = request.app.state.read_engine
    # the idle round: "nothing new" from one read (``idle_pulls.py``), held if asked
    site_id = await run_in_threadpool(idle_pulls.nothing_new, engine, digest(token), after)
    if site_id is not None and not wait:
        return Response(idle_pulls.empty_answer(after), media_type="application/json")
    if site_id is None:
        found = await run_in_threadpool(
            pull_pages.read_page, engine, digest(token), after, limit, own
        )
        if found is None:
            raise refused_kiosk(request, token)
        page, site_id = found
        held = wait and not page.changes and not page.more
    else:
        page, held = pull_pages.FeedPage(changes=[], cursor=after, more=False), True
    if held:
        token_hash = digest(token)
        ask = held_pulls.Ask(site_id, page.cursor, token_hash, limit, own)
        # woken: the page from the read shared by the site's woken pulls (``held_answers.py``)
        if (shared := await request.app.state.held_pulls.wait(ask, wait)) is not None:
            return Response(shared, media_type="application/json")
        # timed out: still nothing new is one indexed read (``idle_pulls.py``), as an idle round
        if await run_in_threadpool(idle_pulls.nothing_new, engine, token_hash, page.cursor):
            return Response(idle_pulls.empty_answer(page.cursor), media_type="application/json")
        found = await run_in_threadpool(pull_pages.read_page, engine, token_hash, after, limit, own)
        if found is None:  # revoked meanwhile
            raise refused_kiosk(request, token)
        page = found[0]
    # the stored payloads as they are, inside the page's JSON (``pull_pages.py``)
    return Response(page.json(), media_type="application/json")

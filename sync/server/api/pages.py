"""Keyset pagination for the admin lists: ``limit`` rows at most, and the next page through
``after``, the opaque position of the last row sent.

A page past the first is found by the index the list is ordered by (``WHERE key > :after
ORDER BY key LIMIT n``), never by skipping rows (``OFFSET``), so page 1,000 costs what page 1
does and a row added meanwhile never shifts a page. When more rows follow, the answer's
``Link: <…?after=…>; rel="next"`` header gives the next page's address (the body stays the
plain list it always was). Lists ordered newest first use (time, id) as the key, descending.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Query, Request, Response
from sqlalchemy import bindparam, tuple_

from kiosk.core.config.errors import ValidationError

#: rows per page when the caller names no limit, and the most it may ask for
PAGE = 500
MAX_PAGE = 5000
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows per page")]
After = Annotated[
    str | None,
    Query(
        max_length=300,
        description="the position after which this page starts: from the previous answer's "
        '``Link: <…>; rel="next"`` header',
    ),
]
_SEP = "~"
T = TypeVar("T")


def by_id(query: Any, column: Any, after: str | None) -> Any:
    """``query`` ordered by ``column`` (a unique text key), from after ``after``."""
    if after:
        query = query.where(column > after)
    return query.order_by(column)


def newest_first(query: Any, time_column: Any, id_column: Any, after: str | None) -> Any:
    """``query`` ordered by (time, id) descending, from after the ``after`` position."""
    if after:
        when, _, key = after.partition(_SEP)
        try:
            at = datetime.fromisoformat(when)
        except ValueError as e:
            raise ValidationError(f"after={after!r} is not a position this list gave") from e
        position = tuple_(
            bindparam(None, at, type_=time_column.type), bindparam(None, key, type_=id_column.type)
        )
        query = query.where(tuple_(time_column, id_column) < position)
    return query.order_by(time_column.desc(), id_column.desc())


def time_position(at: datetime | None, key: str) -> str:
    return f"{at.isoformat() if at else ''}{_SEP}{key}"


def page(
    rows: Sequence[T],
    limit: int,
    *,
    request: Request,
    response: Response,
    position: Callable[[T], str],
) -> list[T]:
    """The first ``limit`` of ``rows`` (fetched with ``limit + 1``), with the next page's
    ``Link`` header when there were more."""
    if len(rows) <= limit:
        return list(rows)
    kept = list(rows[:limit])
    url = request.url.include_query_params(after=position(kept[-1]))
    response.headers["Link"] = f'<{url}>; rel="next"'
    return kept

"""The framework's own limit for ``pull_empty``: a bare FastAPI route answering what an empty
pull answers, served by the same uvicorn settings as ``kiosk-server serve`` (no database, no
token check). Not part of the product: ``bench/bench_pull.py`` starts it beside the server.
"""

from __future__ import annotations

from fastapi import FastAPI

from sync.protocol import API_PREFIX, PullOut

app = FastAPI()


@app.get(API_PREFIX + "/sync/pull", response_model=PullOut)
def pull(after: int = 0) -> PullOut:
    return PullOut(changes=[], cursor=after, more=False)

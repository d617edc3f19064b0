"""The worker threads a server process gives the routes' blocking work: every request's
database reads and writes, the held pulls' watcher and shared reads (``held_pulls.py``).

anyio's default, 40 threads, made them queue on each other's hold of the interpreter lock
rather than on the database: at 2,500 kiosks on one process (``scripts/bench sync_load``), 40
threads answered at p50 306 ms, 8 at 128 ms, 4 at 48 ms, and the CPU per request fell with
them (docs/head-office.md, Capacity). ``create_app`` keeps a database connection for each.
"""

from __future__ import annotations

import os

THREADS_ENV = "KIOSK_SERVER_THREADS"
DEFAULT_THREADS = 4


def threads_from_environment() -> int:
    """``$KIOSK_SERVER_THREADS``, else ``DEFAULT_THREADS``."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return DEFAULT_THREADS
    try:
        threads = int(raw)
    except ValueError:
        raise ValueError(f"${THREADS_ENV} must be a whole number of threads, not {raw!r}") from None
    if threads < 1:
        raise ValueError(f"${THREADS_ENV} must be at least 1, not {threads}")
    return threads

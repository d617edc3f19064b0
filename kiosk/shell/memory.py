"""Keep the kiosk's resident memory what it uses: glibc's allocator told how to hold big
buffers, and freed memory handed back to the system once a visitor is gone.

A check-in and a directions trip each pass megabyte buffers through the heap: the badge
preview (a 732×1181 RGB picture, its bytes and its texture) and the floor maps (1200×800).
glibc serves a buffer that size with its own ``mmap`` at first, but after the first such
buffer is freed it raises its mmap threshold (up to 32 MiB) and serves the next ones from the
heap, where freed space between live allocations is kept, not returned (issue 13: after six
visitors offscreen, ``malloc_trim`` gave 57 MiB of such free heap back). So, at
start-up, ``limit_fragmentation()`` fixes the threshold at ``MMAP_THRESHOLD`` (a fixed value
also stops the raising) and caps the per-thread arenas, and ``release_free_memory()``
(``malloc_trim``) returns what the heap keeps free; the shell runs it off the UI thread
once the kiosk has rested at the home screen for ``TRIM_AFTER_HOME`` (kiosk/app.py).

The threshold is 64 KiB, not glibc's initial 128 KiB: every keystroke renders labels again
(the field, the candidate bar's buttons, host results), each a text surface, its bytes and a
texture copy in Mesa of tens to a few hundred KiB, freed a moment later. From the heap,
those left it holed with space no trim could return (issue 13's soak at 960x540: [heap]
290-330 MiB and glibc's free 50-100 MiB, against 60 MiB and 6-8 MiB with this threshold;
RSS 430-460 MiB from visitor 20 to 60 instead of 520-570).

Linux with glibc only; anywhere else (musl, macOS) both do nothing and say so by returning
False. Must never: raise, or run ``malloc_trim`` on the UI thread (it walks the whole heap).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import cache
from typing import Any

log = logging.getLogger(__name__)

#: glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
#: buffers at least this big get their own mapping, returned to the system when freed
#: (label surfaces and textures too, not only badge previews and maps: see above)
MMAP_THRESHOLD = 64 * 1024
#: allocator arenas for the kiosk's few threads (glibc's default is 8 per core)
ARENA_MAX = 2


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim, libc.mallopt  # noqa: B018  (glibc has both; musl has neither)
    except (OSError, AttributeError):
        return None
    return libc


def limit_fragmentation() -> bool:
    """Tell glibc to map big buffers on their own and to keep few arenas (call it before
    the app starts its threads); False where that is not glibc."""
    libc = _libc()
    if libc is None:
        log.info("not glibc: the allocator is left as it is")
        return False
    ok = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    ok = bool(libc.mallopt(M_ARENA_MAX, ARENA_MAX)) and ok
    return ok


def release_free_memory() -> bool:
    """Hand the heap's free pages back to the system (``malloc_trim(0)``); off the UI thread.
    True if glibc released some."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def heap_usage() -> tuple[int, int] | None:
    """(bytes the program holds from malloc, bytes malloc holds free), from glibc's
    ``mallinfo2`` (2.33+; None elsewhere): RSS that grows while the first stays flat is the
    allocator keeping freed memory, not a leak."""
    libc = _libc()
    mallinfo2 = getattr(libc, "mallinfo2", None) if libc is not None else None
    if mallinfo2 is None:
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return info.uordblks + info.hblkhd, info.fordblks

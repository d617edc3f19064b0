"""The soak benchmark's diagnoses (``bench/bench_soak.py``, ``BENCH_SOAK_DIAGNOSE``): what grew
between two visitors (tracemalloc tracebacks, object counts by type, textures), and the texture
census at every sample of the trend."""

from __future__ import annotations

import gc
import os
from collections import Counter
from pathlib import Path
from typing import Any

from bench.soak_textures import Census


def expire_timed_caches() -> None:
    """Let go now of what Kivy's timed caches would let go of within a minute anyway.

    ``textinput.label`` keeps a texture for each line a text field drew in the last 60 s, so
    the texture count at a sample swung by a few with what the last visitors typed (483, 481,
    484 over one run). Emptying the caches that expire by time (as their timeout does) leaves
    only the textures something of the kiosk's holds, which is what must stay flat."""
    from kivy.cache import Cache

    for category, spec in list(Cache._categories.items()):
        if spec.get("timeout"):
            Cache.remove(category)


def diagnose_at(value: str, warm_up: int, visitors: int) -> tuple[int, int] | None:
    """``BENCH_SOAK_DIAGNOSE``: "1" is the warm-up's end to the end; "A,B" visitors A to B."""
    if value in ("", "textures"):
        return None
    if value == "1":
        return warm_up, visitors
    first, _, last = value.partition(",")
    a, b = int(first), int(last)
    if not warm_up <= a < b <= visitors:
        raise ValueError(f"BENCH_SOAK_DIAGNOSE={value}: need {warm_up} <= A < B <= {visitors}")
    return a, b


class Diagnosis:
    """What grew between two points: tracemalloc tracebacks and object counts by type."""

    def __init__(self) -> None:
        import tracemalloc

        tracemalloc.start(12)
        self.first: Any = None
        self.types: Counter[str] = Counter()
        self.textures = Census()

    @staticmethod
    def _types() -> Counter[str]:
        gc.collect()
        return Counter(type(o).__qualname__ for o in gc.get_objects())

    def mark(self, app: Any) -> None:
        import tracemalloc

        expire_timed_caches()  # as _sample does: the count it reports is after this
        self.textures.mark(app)
        self.first = tracemalloc.take_snapshot()
        self.types = self._types()

    def report(self, app: Any) -> dict[str, Any]:
        import tracemalloc

        expire_timed_caches()
        textures = self.textures.compare(app)
        grown = (self._types() - self.types).most_common(20)  # before the diff's own objects
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        diff = snapshot.compare_to(self.first, "traceback")
        lines = []
        for stat in diff[:15]:
            frames = [f"{Path(f.filename).name}:{f.lineno}" for f in stat.traceback][:8]
            lines.append(
                f"{stat.size_diff / 1024:+.0f} KiB {stat.count_diff:+d} " + " < ".join(frames)
            )
        total = sum(stat.size_diff for stat in diff) / 2**20
        return {
            "tracemalloc": lines,
            "traced_growth_mib": round(total, 2),
            "types": dict(grown),
            "textures": textures,
        }


def watch_textures(census: Census, app: Any, n: int) -> list[dict[str, Any]]:
    """``BENCH_SOAK_DIAGNOSE=textures``: the textures at the warm-up's end noted, then at each
    sample of the trend those new since or gone since the last sample, named (size, what holds
    it), on standard error as soon as they are seen; a census, without tracemalloc's cost."""
    expire_timed_caches()  # as _sample does: the count it reports is after this
    if not census.marked:
        census.mark(app)
        return []
    change = census.compare(app)
    census.mark(app)
    if change["before"] == change["after"] and not change["new"] and not change["gone"]:
        return []
    lines = [f"  + {d}" for d in change["new"]] + [f"  - {d}" for d in change["gone"]]
    head = f"soak: visitor {n}, textures {change['before']} -> {change['after']}"
    os.write(2, ("\n".join([head, *lines]) + "\n").encode())
    return [{"n": n, **change}]

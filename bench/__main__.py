"""``python -m bench [NAME ...]``: run benchmarks, print a table, write bench/results.json."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> dict:
    found = {}
    for info in pkgutil.iter_modules([str(HERE)]):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"bench.{info.name}")
            found.update(getattr(module, "BENCHMARKS", {}))
    return found


def within(result: dict) -> bool:
    if "ok" in result:
        return bool(result["ok"])
    return result["value"] <= result["budget"]


def main(argv: list[str]) -> int:
    available = discover()
    names = argv or sorted(available)
    unknown = [n for n in names if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(sorted(available))}")
        return 2
    results_path = HERE / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    failed = []
    print(f"{'benchmark':<20} {'value':>12} {'unit':<10} {'budget':>10}  verdict  details")
    for name in names:
        started = time.perf_counter()
        result = available[name]()
        result.setdefault("seconds", round(time.perf_counter() - started, 2))
        results[name] = result
        verdict = "ok" if within(result) else "OVER"
        if verdict != "ok":
            failed.append(name)
        extra = {k: v for k, v in result.items() if k not in ("value", "unit", "budget", "ok")}
        print(
            f"{name:<20} {result['value']:>12.3f} {result['unit']:<10} {result['budget']:>10}"
            f"  {verdict:<7}  {json.dumps(extra, ensure_ascii=False)}",
            flush=True,
        )
    results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {results_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Benchmarks: each ``bench/bench_*.py`` module exposes ``BENCHMARKS``, a dict mapping a
benchmark name to a function that runs it and returns a dict with at least ``value``,
``unit`` and ``budget`` (plus ``ok`` when the budget direction is not "lower is better",
and any further figures). Run them with ``scripts/bench [NAME ...]``.
"""

"""Harnesses shared by tests and benchmarks (``bench/``): real processes and real wiring, never
part of the installed package. Import as ``tests.support.harness``; pytest (``pythonpath``)
and ``scripts/bench`` put the repository root on the path."""

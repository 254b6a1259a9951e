"""Benchmarks: ``python benchmarks/run.py`` (or ``make bench``); see docs/benchmarks.md."""

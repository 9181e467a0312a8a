"""Benchmarks run by hand (not in CI): see BENCHMARKS.md and `python -m bench.run --help`."""

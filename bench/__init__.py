"""Benchmarks: figures, not pass/fail tests. Run with ``python -m bench``."""

"""Benchmarks: the project's path beside a bare Temporal baseline, on the same dev server,
with the same worker settings, in alternating rounds. `python -m bench.all [--quick]`."""

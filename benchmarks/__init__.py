"""Benchmarks against the local sandbox. Run from the repository root: ``python -m benchmarks.run``;
tests and scripts import the shared code as ``benchmarks.<module>``."""

"""``python -m target_exact``."""

from target_exact.target import TargetExact

TargetExact.cli()

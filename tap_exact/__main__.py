"""``python -m tap_exact``."""

from tap_exact.tap import TapExact

TapExact.cli()

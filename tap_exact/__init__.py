"""tap-exact: a Singer tap for Exact Online (see docs/readme/tap.md)."""

"""tap-exact: a Singer tap for Exact Online (see README.md and docs/tap.md)."""

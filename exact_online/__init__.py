"""The Exact Online REST client shared by tap-exact, target-exact and exact-sandbox."""

__version__ = "0.1.0"

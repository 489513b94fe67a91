"""Singer target for Exact Online."""

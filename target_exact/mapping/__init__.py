"""HotGlue input records -> Exact payloads (pure functions, no API calls)."""

"""exact-sandbox: a local Exact Online (REST API, OAuth, limits, faults) for tests, benchmarks and
demos."""

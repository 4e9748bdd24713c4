"""The service layer: one function per use case (record events, read a plan, settle, rebuild,
reconcile), called by every entry point (HTTP API, CLI, activities, tests)."""

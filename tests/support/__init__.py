"""Helpers shared by every test suite (unit, store, integration, API, faults, e2e)."""

"""Fault injection on the real stack: the integration tests' Temporal dev server (time
skipping), PostgreSQL and workers, plus servers and processes each test starts, breaks
and restarts itself (a persisted Temporal dev server, an embedded PostgreSQL, workers)."""

from __future__ import annotations

from tests.api.conftest import api  # noqa: F401
from tests.integration.conftest import database, env, pathway_worker, patient_ref, pool  # noqa: F401

"""Every statement the store runs, one `.sql` file each under `store/sql/`, read once at import.

A constant per file, so a misspelt query name fails at import (and in the linter), not
at the first call in production.
"""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


MIGRATIONS_BOOTSTRAP = _sql("migrations_bootstrap")
MIGRATIONS_LOCK = _sql("migrations_lock")
MIGRATIONS_UNLOCK = _sql("migrations_unlock")
MIGRATIONS_APPLIED = _sql("migrations_applied")
MIGRATIONS_RECORD = _sql("migrations_record")

EVENTS_APPEND = _sql("events_append")
EVENTS_STORED = _sql("events_stored")
EVENTS_FOR_PATIENT = _sql("events_for_patient")
EVENTS_OF_PATIENTS = _sql("events_of_patients")
EVENTS_RECORDS_FOR_PATIENT = _sql("events_records_for_patient")

PATHWAYS_CREATE = _sql("pathways_create")
PATHWAYS_LOCK = _sql("pathways_lock")
PATHWAYS_APPENDED = _sql("pathways_appended")
PATHWAYS_GET = _sql("pathways_get")
PATHWAYS_PAGE = _sql("pathways_page")
PATHWAYS_SETTLED = _sql("pathways_settled")
PATHWAYS_CENTRE = _sql("pathways_centre")
PATHWAYS_OF_CENTRE = _sql("pathways_of_centre")

PATIENTS_UPSERT = _sql("patients_upsert")
PATIENTS_GET = _sql("patients_get")
OBLIGATIONS_DELETE = _sql("obligations_delete")
OBLIGATIONS_INSERT = _sql("obligations_insert")
OBLIGATIONS_FOR_PATIENT = _sql("obligations_for_patient")

REMINDERS_CLAIM = _sql("reminders_claim")
REMINDERS_GET = _sql("reminders_get")
REMINDERS_MARK_SENT = _sql("reminders_mark_sent")
REMINDERS_MARK_FAILED = _sql("reminders_mark_failed")
REMINDERS_MARK_WAITING = _sql("reminders_mark_waiting")
REMINDERS_HISTORY = _sql("reminders_history")
REMINDERS_FOR_OBLIGATIONS = _sql("reminders_for_obligations")
REMINDERS_UNDELIVERED_PATIENTS = _sql("reminders_undelivered_patients")

CENTRES_UPSERT = _sql("centres_upsert")
NEUROLOGISTS_UPSERT = _sql("neurologists_upsert")
CENTRES_BY_ID = _sql("centres_by_id")
NEUROLOGISTS_BY_ID = _sql("neurologists_by_id")

WORKLIST_OPEN_OBLIGATIONS = _sql("worklist_open_obligations")
WORKLIST_OPEN_OBLIGATIONS_LATEST_FIRST = _sql("worklist_open_obligations_latest_first")

PING = _sql("ping")

RUNTIME_ANNOUNCE = _sql("runtime_announce")
RUNTIME_SEEN = _sql("runtime_seen")
RUNTIME_GONE = _sql("runtime_gone")
RUNTIME_LIVE = _sql("runtime_live")

TOKENS_INSERT = _sql("tokens_insert")
TOKENS_REVOKE = _sql("tokens_revoke")
TOKENS_LIST = _sql("tokens_list")
TOKENS_BY_HASH = _sql("tokens_by_hash")

DIGEST_ITEMS_QUEUE = _sql("digest_items_queue")
REMINDERS_MARK_QUEUED = _sql("reminders_mark_queued")
DIGEST_RECIPIENTS_WAITING = _sql("digest_recipients_waiting")
DIGESTS_CLAIM = _sql("digests_claim")
DIGEST_ITEMS_ATTACH = _sql("digest_items_attach")
DIGESTS_GET = _sql("digests_get")
DIGEST_ITEMS_OF_DIGEST = _sql("digest_items_of_digest")
DIGESTS_COUNT_ITEMS = _sql("digests_count_items")
DIGESTS_MARK_SENT = _sql("digests_mark_sent")
DIGESTS_MARK_UNDELIVERED = _sql("digests_mark_undelivered")
REMINDERS_MARK_DIGEST_SENT = _sql("reminders_mark_digest_sent")
REMINDERS_MARK_DIGEST_UNDELIVERED = _sql("reminders_mark_digest_undelivered")
DIGESTS_OF_DAY = _sql("digests_of_day")
DIGEST_CENTRES_WAITING = _sql("digest_centres_waiting")
PATHWAYS_CREATED_AT = _sql("pathways_created_at")

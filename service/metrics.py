"""Prometheus counters of the application (served by `pathway_runtime.metrics.serve_metrics`;
the Temporal SDK exports its own runtime metrics). Labels are channels, outcomes and
reasons, never patient data."""

from __future__ import annotations

from prometheus_client import Counter

REMINDERS_SENT = Counter("pathway_reminders_sent", "Reminders handed to a channel", ["channel"])
REMINDERS_FAILED = Counter("pathway_reminders_failed", "Reminder deliveries that failed", ["channel", "retryable"])
REMINDERS_WAITING = Counter("pathway_reminders_waiting",
                            "Reminders kept pending: no recipient address in the directory yet", ["channel"])
REMINDERS_ALREADY_SENT = Counter("pathway_reminders_already_sent",
                                 "Deliveries skipped because the reminder log says sent (retries)", ["channel"])
REMINDERS_STALE = Counter("pathway_reminders_stale",
                          "Reminders not sent because newer events were stored since their plan")
EVENTS_STORED = Counter("pathway_events_stored", "Clinical events appended to the event store")
EVENTS_DUPLICATE = Counter("pathway_events_duplicate", "Clinical events received again with the same content")
EVENTS_REFUSED = Counter("pathway_events_refused", "Patients' submissions refused by the intake (nothing stored)",
                         ["reason"])
DELIVERIES_PENDING = Counter("pathway_deliveries_pending",
                             "Stored events a pathway did not take in time (a reconcile delivers them)")

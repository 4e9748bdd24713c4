"""PostgreSQL persistence: the event store, the care-plan read model, the reminder log,
the staff directory and the worklist. One asyncpg pool per process (`store.db.create_pool`),
schema changes as ordered migrations (`python -m store.migrate`)."""

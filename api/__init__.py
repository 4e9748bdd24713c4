"""The HTTP API (FastAPI, under /v1): integration services post clinical events, staff
read plans, events, reminders and worklists. `api.app.create_app` builds it."""

"""Process-wide wiring shared by the worker, the CLI (and later the API): configuration and logging."""

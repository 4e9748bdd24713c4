#!/bin/sh
# One-shot, before the Temporal server starts (temporalio/admin-tools image): brings the
# schemas of Temporal's two databases up to the version of this admin-tools image. The
# databases and the `temporal` role come from deploy/postgres-init/. Safe to run on every
# `docker compose up`: setup-schema keeps an existing version and update-schema only
# applies newer steps, which is also how a Temporal upgrade migrates its schema.
set -eu
: "${SQL_PASSWORD:?the temporal role password (TEMPORAL_DB_PASSWORD in .env)}"
: "${POSTGRES_SEEDS:=postgres}" "${DB_PORT:=5432}" "${POSTGRES_USER:=temporal}"

schemas=/etc/temporal/schema/postgresql/v12
for target in temporal:temporal visibility:temporal_visibility; do
    schema=${target%%:*}
    database=${target#*:}
    echo "temporal-schema: ${database}"
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" \
        --db "$database" setup-schema -v 0.0
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" \
        --db "$database" update-schema -d "${schemas}/${schema}/versioned"
done
echo "temporal-schema: up to date"

#!/bin/sh
# One-shot, once the Temporal server answers (temporalio/admin-tools image): creates the
# pathway's namespace when it is missing, then waits until the server serves it, so the
# next step (`pathway temporal setup`, the search attributes) finds it. Safe to run on
# every `docker compose up`.
set -eu
: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}" "${NAMESPACE_RETENTION:?}"

# retry N COMMAND...: the server may still be starting; a new namespace takes a few
# seconds to reach the frontend.
retry() {
    attempts=$1
    shift
    until "$@"; do
        attempts=$((attempts - 1))
        if [ "$attempts" -le 0 ]; then
            echo "temporal-namespace: giving up on: $*" >&2
            return 1
        fi
        sleep 5
    done
}

echo "temporal-namespace: waiting for Temporal at ${TEMPORAL_ADDRESS}"
retry 60 temporal operator cluster health --address "$TEMPORAL_ADDRESS" > /dev/null

if ! temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" > /dev/null 2>&1; then
    echo "temporal-namespace: creating ${TEMPORAL_NAMESPACE} (retention ${NAMESPACE_RETENTION})"
    temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" \
        --retention "$NAMESPACE_RETENTION"
fi
retry 12 temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" > /dev/null
echo "temporal-namespace: ${TEMPORAL_NAMESPACE} ready"

"""A property-based fuzz of the OpenAPI document with schemathesis, against the real
server: for every operation, requests generated from the schema (valid and invalid),
sent with the right token. No 5xx, no response outside the documented ones, no invalid
input accepted (schemathesis' negative-data check, and our own: whatever POST
/v1/events accepts must pass the domain's validation)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import traceback
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.body import EARLIEST_DATE, parse_submission
from api.problems import ApiProblem
from domain.planner import local_date
from rulesets import default as default_ruleset

MOLECULES = default_ruleset().molecule_codes()

# Deterministic and bounded by default (CI); FUZZ_EXAMPLES=500 FUZZ_RANDOM=1 for a longer, new search.
PER_MODE = int(os.environ.get("FUZZ_EXAMPLES", "40"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
EXAMPLES = {GenerationMode.POSITIVE: PER_MODE, GenerationMode.NEGATIVE: PER_MODE}
CONFIG = schemathesis.Config.from_dict({
    # 413 is how this API refuses a batch over 1,000 events: a rejection like the others.
    "checks": {"negative_data_rejection": {"expected-statuses": [
        "400", "401", "403", "404", "405", "406", "409", "413", "415", "422"]}},
})


def accepted_events_are_valid(ctx, response, case) -> None:
    """Anything POST /v1/events answers 2xx must be valid for the domain, dated today or before."""
    if case.operation.path != "/v1/events" or not 200 <= response.status_code < 300:
        return None
    try:
        parse_submission(json.dumps(case.body).encode(), local_date(datetime.now(UTC)))
    except ApiProblem as refused:
        raise AssertionError(f"accepted but invalid: {refused.problem.errors}") from None
    return None


CHECKS = [not_a_server_error, negative_data_rejection, status_code_conformance, content_type_conformance,
          response_schema_conformance, accepted_events_are_valid]


def plausible(body: Any, today: date) -> Any:
    """A valid body made likelier to be accepted, so that the accepting path is fuzzed too:
    dates moved to the past, molecules mapped to catalogue codes. What the schema cannot
    say (the clinic's date, the catalogue) is what random data gets wrong."""
    if isinstance(body, dict) and isinstance(body.get("events"), list):
        return {**body, "events": [plausible(e, today) for e in body["events"]]}
    if not isinstance(body, dict):
        return body
    fixed = dict(body)
    for name in ("occurred_on", "onset_on"):
        if isinstance(fixed.get(name), str):
            fixed[name] = min(max(fixed[name], EARLIEST_DATE.isoformat()), today.isoformat())
    for name in ("molecule", "from_molecule", "to_molecule"):
        if isinstance(fixed.get(name), str):
            fixed[name] = MOLECULES[sum(map(ord, fixed[name] + name)) % len(MOLECULES)]
    if fixed.get("diagnosis") == "cis" and fixed.get("onset_on") is None:
        fixed["onset_on"] = fixed.get("occurred_on")
    return fixed


def _has_inputs(operation) -> bool:
    """Whether there is anything to make invalid (negative generation needs parameters or a body)."""
    return bool(operation.path_parameters or operation.query or operation.body)


def fuzz_operation(url: str, operation, mode: GenerationMode, headers: dict[str, str], statuses: Counter) -> None:
    @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=not RANDOM,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        if mode is GenerationMode.POSITIVE and operation.path == "/v1/events":
            case.body = plausible(case.body, local_date(datetime.now(UTC)))
        if mode is GenerationMode.NEGATIVE and case.query:
            # An unknown parameter generated as None or [] is not sent at all (the HTTP client
            # drops it), which would leave a valid request counted as invalid: send it empty.
            case.query = {k: "" if v is None else [""] if v == [] else v for k, v in case.query.items()}
        response = case.call(base_url=url, headers=headers, timeout=30)
        statuses[(operation.label, mode.value, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def fuzz(url: str, integration: dict[str, str], staff: dict[str, str]) -> tuple[list[str], Counter]:
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", config=CONFIG)
    failures: list[str] = []
    statuses: Counter = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        headers = integration if operation.path == "/v1/events" else staff
        for mode in EXAMPLES:
            if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
                continue
            try:
                fuzz_operation(url, operation, mode, headers, statuses)
            except Exception as failure:  # go on: report every operation's failure at once
                failures.append(f"{operation.label} ({mode.value}): {''.join(traceback.format_exception(failure))}")
    return failures, statuses


async def test_the_schema_fuzz_finds_no_server_error_and_no_accepted_invalid_input(api):
    started = time.perf_counter()
    failures, statuses = await asyncio.to_thread(fuzz, api.url, api.integration, api.staff)

    summary = "\n".join(f"  {label} {mode}: {status} x{n}" for (label, mode, status), n in sorted(statuses.items()))
    print(f"\nschema fuzz: {sum(statuses.values())} requests in {time.perf_counter() - started:.1f} s\n{summary}",
          file=sys.stderr)
    assert not failures, "\n\n".join(failures)
    assert sum(statuses.values()) > 7 * PER_MODE

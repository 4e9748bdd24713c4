"""Calls to Temporal with a deadline, its failures turned into problems (503, 404)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from temporalio.client import (
    Client,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from api.problems import ApiProblem, unavailable
from pathway_runtime.config import AppConfig
from pathway_runtime.temporal import converter_for, runtime_for


async def connect_lazily(config: AppConfig) -> Client:
    """Like `pathway_runtime.temporal.connect_temporal` (same converter: pydantic payloads,
    encrypted when keys are set), but the connection is made at the first call: the API
    starts (and `/readyz` says why it is not ready) while Temporal is still down."""
    return await Client.connect(config.temporal_address, namespace=config.temporal_namespace,
                                data_converter=converter_for(config), runtime=runtime_for(config), lazy=True)


def not_found(patient_ref: str) -> ApiProblem:
    return ApiProblem(404, "unknown-patient", "Unknown patient", f"no pathway is known for patient {patient_ref}")


@asynccontextmanager
async def temporal_call(timeout_s: float, patient_ref: str | None = None) -> AsyncIterator[None]:
    """Within the block: no answer in `timeout_s` or an unreachable server -> 503; a workflow
    that does not exist -> 404 (when `patient_ref` is given)."""
    try:
        async with asyncio.timeout(timeout_s):
            yield
    except TimeoutError:
        raise unavailable("temporal", f"Temporal or the pathway worker did not answer within {timeout_s:g} s; "
                          "retry (resending the same events is safe)") from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND and patient_ref is not None:
            raise not_found(patient_ref) from None
        await structlog.get_logger("api").awarning("temporal call failed", status=error.status.name if error.status
                                                   else None)
        raise unavailable("temporal", "Temporal cannot be reached or refused the call; retry later") from None
    except (WorkflowQueryFailedError, WorkflowQueryRejectedError):
        raise unavailable("temporal", "the pathway could not answer the query; retry later") from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise unavailable("temporal", "the pathway did not finish recording the events in time; retry "
                          "(resending the same events is safe)") from None
    except RuntimeError as error:  # a lazy client that cannot connect
        if "connect" not in str(error).lower():
            raise
        raise unavailable("temporal", "Temporal cannot be reached; retry later") from None

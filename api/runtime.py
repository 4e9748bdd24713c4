"""What a request works with: the configuration, the Temporal client, the pool, the stores
on it and the service layer. One per process, made by the app's lifespan (or given by tests)."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from fastapi import Request
from temporalio.client import Client

from api.token_gate import TokenGate
from domain.fhir_mapping import FhirMapping
from pathway_runtime.bootstrap import fhir_mapping_for, intake_for
from pathway_runtime.config import AppConfig
from service.intake import Intake
from store.event_store import EventStore
from store.read_model import ReadModel
from store.reminder_log import ReminderLog
from store.tokens import TokenStore
from store.worklist import Worklist


@dataclass(frozen=True)
class Runtime:
    config: AppConfig
    client: Client
    pool: asyncpg.Pool
    events: EventStore
    read_model: ReadModel
    reminders: ReminderLog
    worklist: Worklist
    tokens: TokenStore
    token_gate: TokenGate
    intake: Intake
    fhir_mapping: FhirMapping
    """The FHIR R4 intake's codes (`PATHWAY_FHIR_MAPPING`, docs/fhir.md)."""

    @classmethod
    def wire(cls, config: AppConfig, client: Client, pool: asyncpg.Pool, intake: Intake | None = None) -> Runtime:
        tokens = TokenStore(pool)
        return cls(config=config, client=client, pool=pool, events=EventStore(pool), read_model=ReadModel(pool),
                   reminders=ReminderLog(pool), worklist=Worklist(pool), tokens=tokens, token_gate=TokenGate(tokens),
                   intake=intake or intake_for(config, client, pool), fhir_mapping=fhir_mapping_for(config))


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime

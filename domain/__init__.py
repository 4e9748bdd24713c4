"""Pure rules of the MS follow-up pathway: standard library and pydantic only."""

from domain.events import ClinicalEvent, check_admissible, describe_errors, parse_event, parse_event_json
from domain.plan import Obligation, Plan, ReminderStep, Stage, Status
from domain.planner import compute_plan, local_date
from domain.ruleset import Ruleset, RulesetRegistry
from domain.settings import DEFAULT_SETTINGS, MriPolicy, PathwaySettings

__all__ = [
    "ClinicalEvent", "check_admissible", "describe_errors", "parse_event", "parse_event_json",
    "Obligation", "Plan", "ReminderStep", "Stage", "Status", "compute_plan", "local_date",
    "Ruleset", "RulesetRegistry", "DEFAULT_SETTINGS", "MriPolicy", "PathwaySettings",
]

"""Reading FHIR mapping files (`rulesets/fhir/*.fhir.yaml`, `domain.fhir_mapping`): YAML read
as the ruleset files are (ruamel.yaml, errors naming file, line and field), then checked
against the ruleset it feeds."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from domain.fhir_mapping import FhirMapping
from domain.ruleset import Ruleset
from rulesets.loader import RulesetError, _describe, _plain

DIRECTORY = Path(__file__).parent / "fhir"
DEFAULT_FILE = DIRECTORY / "crc-sep-marseille.fhir.yaml"


def load_mapping(path: Path | str, ruleset: Ruleset | None = None) -> FhirMapping:
    """The mapping in `path`, checked against `ruleset` when given. Raises `RulesetError`
    naming each problem (a file refused is never applied in part)."""
    path = Path(path)
    try:
        data = YAML(typ="rt", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise RulesetError(path, [f"{path}: cannot read: {error}"]) from None
    except MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark is not None else 1
        raise RulesetError(path, [f"{path}:{line}: not valid YAML: {error.problem}"]) from None
    try:
        mapping = FhirMapping.model_validate(_plain(data))
    except ValidationError as error:
        raise RulesetError(path, [_describe(path, data, e) for e in error.errors()]) from None
    problems = mapping.problems_with(ruleset) if ruleset is not None else []
    if problems:
        raise RulesetError(path, [f"{path}: {p}" for p in problems])
    return mapping


@lru_cache(maxsize=1)
def default_mapping() -> FhirMapping:
    """The shipped mapping of the shipped ruleset, loaded once per process."""
    from rulesets import default

    return load_mapping(DEFAULT_FILE, default())

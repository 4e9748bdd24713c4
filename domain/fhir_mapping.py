"""How a FHIR R4 feed's codes become pathway events: the mapping, as data.

A centre's mapping file (`rulesets/fhir/*.fhir.yaml`, loaded by `rulesets.fhir`) sits beside
the ruleset it feeds. It names the identifier systems (the pseudonymous patient reference,
the staff directory's ids) and every code the FHIR intake accepts, each with the page that
defines it (`source`). Pure data and lookups: the FHIR resources themselves are read by the
adapter (`fhir_r4/`), which asks this model what a coding means.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from domain.events import Diagnosis, Region, VisitComponent, VisitSetting
from domain.ruleset import Code, Ruleset

Source = Annotated[str, Field(min_length=3)]
"""Where the code is defined: a terminology browser or index page, or `local: ...` for the
centre's own code systems."""


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str = Field(min_length=1)
    """A key of `systems` (`snomed`, `atc`, ...) or a full system URI."""
    code: str = Field(min_length=1)
    source: Source


class ConditionRow(_Row):
    diagnosis: Diagnosis
    interpretation: str | None = None
    """The named interpretation when the code says less than the diagnosis (ICD-10 G35)."""


class MedicationRow(_Row):
    molecule: Code


class CodeRow(_Row):
    pass


class BodySiteRow(_Row):
    region: Region


class MriCodes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    procedures: tuple[CodeRow, ...] = ()
    modalities: tuple[CodeRow, ...] = ()
    body_sites: tuple[BodySiteRow, ...] = ()
    contrast_agents: tuple[CodeRow, ...] = ()


class ProcedureRow(_Row):
    event: Literal["treatment_validated", "etp_assessed", "etp_referral_proposed"]
    via: Literal["crc_visit", "rcp_meeting"] | None = None

    @model_validator(mode="after")
    def _via_for_validations(self) -> ProcedureRow:
        if (self.event == "treatment_validated") != (self.via is not None):
            raise ValueError("via is required for treatment_validated and only there")
        return self


class EtpOutcomeRow(_Row):
    referral_needed: bool


class SettingRow(_Row):
    setting: VisitSetting


class ComponentRow(_Row):
    component: VisitComponent


class Identifiers(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    patient: str = Field(min_length=1)
    neurologist: str = Field(min_length=1)
    centre: str = Field(min_length=1)


class FhirMapping(BaseModel):
    """One centre's FHIR mapping. Lookups take a coding's full system URI and code and return
    the row, or None when the mapping does not cover it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    ruleset: str = Field(min_length=1)
    """The id of the ruleset the mapping was written for (documentation: what is checked is that
    every molecule it names is in the catalogue in force, `problems_with`)."""
    identifiers: Identifiers
    systems: dict[str, str] = {}
    conditions: tuple[ConditionRow, ...] = ()
    medications: tuple[MedicationRow, ...] = ()
    mri: MriCodes = MriCodes()
    procedures: tuple[ProcedureRow, ...] = ()
    etp_outcomes: tuple[EtpOutcomeRow, ...] = ()
    visit_settings: tuple[SettingRow, ...] = ()
    visit_components: tuple[ComponentRow, ...] = ()
    edss: tuple[CodeRow, ...] = ()

    _index: dict[str, dict[tuple[str, str], _Row]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _indexed(self) -> FhirMapping:
        tables = {"conditions": self.conditions, "medications": self.medications,
                  "mri.procedures": self.mri.procedures, "mri.modalities": self.mri.modalities,
                  "mri.body_sites": self.mri.body_sites, "mri.contrast_agents": self.mri.contrast_agents,
                  "procedures": self.procedures, "etp_outcomes": self.etp_outcomes,
                  "visit_settings": self.visit_settings, "visit_components": self.visit_components, "edss": self.edss}
        problems = []
        for name, rows in tables.items():
            index: dict[tuple[str, str], _Row] = {}
            for row in rows:
                key = (self.system_uri(row.system), row.code)
                if key in index:
                    problems.append(f"{name}: {row.system}|{row.code} is listed twice")
                index[key] = row
            self._index[name] = index
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def system_uri(self, system: str) -> str:
        """A row's system as a URI (`snomed` -> `http://snomed.info/sct`)."""
        return self.systems.get(system, system)

    def lookup(self, table: str, system: str | None, code: str | None) -> _Row | None:
        """The row of `table` (`conditions`, `medications`, `mri.body_sites`, ...) for one coding."""
        if system is None or code is None:
            return None
        return self._index[table].get((system, code))

    def accepted_codes(self, table: str) -> list[str]:
        """`system|code` of every row of `table`, for the messages that refuse a code."""
        return [f"{system}|{code}" for system, code in self._index[table]]

    def problems_with(self, ruleset: Ruleset) -> list[str]:
        """What does not fit `ruleset`: the molecules its catalogue lacks (by code, name or alias)."""
        problems = []
        for row in self.medications:
            if ruleset.resolve_molecule(row.molecule) is None:
                problems.append(f"medications: {row.code} names molecule {row.molecule}, not in ruleset {ruleset.id}")
        return problems

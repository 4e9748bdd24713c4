"""The CRC SEP Marseille follow-up pathway as data.

One versioned table a clinician can read: the molecule catalogue, the
post-treatment surveillance tracks, every rule R1-R20 of `PATHWAY_RULES.md` with
its rhythm and its source paragraph, and the reminder ladder. Code reads its
numbers from here; interpretations of the source live in `settings.py`.

Bump `RULESET_VERSION` whenever a row changes. Running workflows keep replaying
because each computed plan is recorded in their history (see
`workflows/patient_pathway.py`); the version tells which table produced a plan.
`pathway rules` prints this table.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict

RULESET_VERSION = "crc-sep-marseille/2026-11.1"


class MoleculeLine(str, Enum):
    FIRST_LINE = "first_line"
    RISK = "risk"
    INDUCTION = "induction"


class Molecule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name: str
    line: MoleculeLine
    validation_every_months: int | None = None
    """R15 minimal validation rhythm while the molecule is given (None: initial validation only)."""
    post_stop_track: str | None = None
    """R16/R17 surveillance track opened when the molecule is stopped."""


class SurveillanceTrack(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    after_molecule: str
    every_months: int
    rule: str


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    applies_to: str
    obligation: str
    due: str
    source: str
    every_months: int | None = None


MOLECULES: tuple[Molecule, ...] = (
    Molecule(code="interferon_beta_1a", name="Interferon beta-1a", line=MoleculeLine.FIRST_LINE),
    Molecule(code="interferon_beta_1b", name="Interferon beta-1b", line=MoleculeLine.FIRST_LINE),
    Molecule(code="peginterferon_beta_1a", name="Peginterferon beta-1a", line=MoleculeLine.FIRST_LINE),
    Molecule(code="glatiramer_acetate", name="Glatiramer acetate", line=MoleculeLine.FIRST_LINE),
    Molecule(code="teriflunomide", name="Teriflunomide", line=MoleculeLine.FIRST_LINE),
    Molecule(code="dimethyl_fumarate", name="Dimethyl fumarate", line=MoleculeLine.RISK, validation_every_months=12),
    Molecule(code="fingolimod", name="Fingolimod", line=MoleculeLine.RISK, validation_every_months=12),
    Molecule(code="daclizumab", name="Daclizumab", line=MoleculeLine.RISK, validation_every_months=12),
    Molecule(code="natalizumab", name="Natalizumab", line=MoleculeLine.RISK, validation_every_months=6),
    Molecule(code="ocrelizumab", name="Ocrelizumab", line=MoleculeLine.RISK, validation_every_months=6),
    Molecule(code="mitoxantrone", name="Mitoxantrone", line=MoleculeLine.INDUCTION, post_stop_track="post_mitoxantrone"),
    Molecule(code="alemtuzumab", name="Alemtuzumab", line=MoleculeLine.INDUCTION, post_stop_track="post_alemtuzumab"),
)

TRACKS: tuple[SurveillanceTrack, ...] = (
    SurveillanceTrack(code="post_mitoxantrone", after_molecule="mitoxantrone", every_months=12, rule="R16"),
    SurveillanceTrack(code="post_alemtuzumab", after_molecule="alemtuzumab", every_months=3, rule="R17"),
)

RULES: tuple[Rule, ...] = (
    Rule(id="R1", applies_to="untreated_cis_priority", obligation="initial CRC visit: neurological evaluation, OFSEP MRI, self-questionnaires, biological samples", due="deadline CIS onset + 6 months; heads-up at diagnosis", source="I.1", every_months=6),
    Rule(id="R2", applies_to="untreated_cis_priority", obligation="CRC visit to collect biological samples the initial visit could not take", due="initial visit + 3 months", source="I.1 footnote", every_months=3),
    Rule(id="R3", applies_to="untreated_cis_priority", obligation="annual follow-up visit with full neurological evaluation", due="previous visit + 12 months", source="I.1", every_months=12),
    Rule(id="R4", applies_to="untreated_cis_priority", obligation="annual OFSEP MRI (brain)", due="previous MRI + 12 months", source="I.1", every_months=12),
    Rule(id="R5", applies_to="untreated_other", obligation="annual information of the CRC SEP", due="previous + 12 months", source="I.2", every_months=12),
    Rule(id="R6", applies_to="untreated_other", obligation="EDSS at least once a year", due="previous EDSS + 12 months", source="I.2", every_months=12),
    Rule(id="R7", applies_to="untreated_other", obligation="OFSEP MRI (brain) at least once a year", due="previous MRI + 12 months", source="I.2", every_months=12),
    Rule(id="R8", applies_to="treatment start (incl. switch)", obligation="inform the patient, assess the need for therapeutic education (ETP)", due="at treatment start", source="II.1"),
    Rule(id="R9", applies_to="after R8 found a need", obligation="propose referral to an ETP programme", due="on the assessment date", source="II.1"),
    Rule(id="R10", applies_to="first_line", obligation="annual information of the CRC SEP", due="previous + 12 months", source="II.2", every_months=12),
    Rule(id="R11", applies_to="treatment start (incl. switch)", obligation="recent MRI (< 3 months) before start; brain + spinal under the CRC policy", due="at treatment start", source="II.2", every_months=3),
    Rule(id="R12", applies_to="first_line, CRC Marseille policy", obligation="reference MRI M6, efficacy MRI M12, then yearly (brain + spinal)", due="start + 6, start + 12, then previous + 12 months", source="II.2", every_months=12),
    Rule(id="R13", applies_to="first_line, OFSEP minimum policy", obligation="brain MRI at M12 then at least every 3 years", due="start + 12, then previous + 36 months", source="II.2", every_months=36),
    Rule(id="R14", applies_to="every first-line MRI order", obligation="one gadolinium injection for brain and spinal cord, the two exams a few days apart", due="(reminder text)", source="II.2"),
    Rule(id="R15", applies_to="risk_therapy", obligation="initial validation (CRC visit or RCP), then regular validation at the molecule's rhythm", due="at start, then previous + molecule rhythm", source="II.3 + table"),
    Rule(id="R16", applies_to="post-mitoxantrone track", obligation="validation/surveillance by the CRC SEP", due="every 12 months after the stop", source="table", every_months=12),
    Rule(id="R17", applies_to="post-alemtuzumab track", obligation="validation/surveillance by the CRC SEP", due="every 3 months after the stop", source="table", every_months=3),
    Rule(id="R18", applies_to="risk_therapy", obligation="OFSEP MRI (brain) once a year unless a clinician sets another rhythm", due="previous MRI + 12 months, or the patient's override", source="II.3", every_months=12),
    Rule(id="R19", applies_to="all", obligation="reminders to the treating neurologist; CRC validations and information to the CRC coordinator too", due="-", source="I.2, II.2, II.3"),
    Rule(id="R20", applies_to="switch", obligation="a switch stops the old molecule and starts the new one on the same date", due="at the switch date", source="II"),
)

R14_INSTRUCTION = (
    "R14: a single gadolinium injection for brain and spinal cord; "
    "the two exams a few days apart (CRC SEP model prescriptions)."
)

MOLECULE_BY_CODE: dict[str, Molecule] = {m.code: m for m in MOLECULES}
TRACK_BY_CODE: dict[str, SurveillanceTrack] = {t.code: t for t in TRACKS}
RULE_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def rule_interval(rule_id: str) -> int:
    months = RULE_BY_ID[rule_id].every_months
    if months is None:
        raise KeyError(f"rule {rule_id} has no rhythm")
    return months


def is_risk_molecule(code: str) -> bool:
    return MOLECULE_BY_CODE[code].line in (MoleculeLine.RISK, MoleculeLine.INDUCTION)


def known_molecule_codes() -> list[str]:
    return [m.code for m in MOLECULES]

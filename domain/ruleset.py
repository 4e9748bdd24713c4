"""A centre's pathway as data: the ruleset.

One versioned document a clinician can read and sign off, loaded from a file
(`rulesets/*.yaml`, validated by these models; its JSON Schema is `docs/ruleset.schema.json`):
the molecule catalogue (codes, names, aliases, line, validation rhythm, post-stop track),
the post-treatment surveillance tracks, every rule R1-R20 of `PATHWAY_RULES.md` with its
rhythm, milestones and source paragraph, the laboratory panels and the monitoring rows a
centre adds per molecule, each kind's instruction text (R14's included), and the settings
(`domain/settings.py`: interpretations, windows, the reminder ladder, time zone and hour).

The shipped default, `rulesets/crc-sep-marseille.yaml`, reproduces the source. A plan names
the ruleset it was computed with (`label`) and its content version (`content_hash`).
"""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from collections.abc import Iterable
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from domain.settings import DEFAULT_SETTINGS, PathwaySettings

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
"""A molecule, track or panel code: lower-case letters, digits and underscores."""
RuleId = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{0,15}$")]
"""R1 ... R20 for the source's rules; a centre's monitoring rows take their own (L1, L2, ...):
rule ids end up in obligation ids and log lines, so they never name a molecule."""
SOURCE_RULES = tuple(f"R{n}" for n in range(1, 21))
"""The rules of the source every ruleset keeps (their rhythms and texts may change)."""


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MoleculeLine(str, Enum):
    FIRST_LINE = "first_line"
    RISK = "risk"
    INDUCTION = "induction"


class Molecule(_Row):
    code: Code
    name: str = Field(min_length=1)
    line: MoleculeLine
    validation_every_months: int | None = Field(default=None, ge=1, le=60)
    """R15 minimal validation rhythm while the molecule is given (None: initial validation only)."""
    post_stop_track: Code | None = None
    """R16/R17 surveillance track opened when the molecule is stopped."""
    aliases: tuple[str, ...] = ()
    """Other names a feed may send (brand names, other spellings): matched case- and accent-blind."""
    atc: Annotated[str, Field(pattern=r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$")] | None = None
    """WHO ATC code, when one exists."""
    source: str | None = None
    """Where the row comes from (a rule of the source, a label, an HAS opinion)."""


class SurveillanceTrack(_Row):
    code: Code
    after_molecule: Code
    every_months: int = Field(ge=1, le=60)
    rule: RuleId


class Rule(_Row):
    id: RuleId
    applies_to: str
    obligation: str
    due: str
    source: str
    every_months: int | None = Field(default=None, ge=1, le=120)
    """The rule's rhythm or interval in months (its meaning per rule: `due`)."""
    milestones_months: tuple[int, ...] = ()
    """Fixed milestones after a start (R12: M6 reference, M12 efficacy; R13: M12)."""


class LabPanel(_Row):
    code: Code
    name: str = Field(min_length=1)
    source: str | None = None


class Monitoring(_Row):
    """A periodic obligation tied to a molecule, satisfied by `lab_test_performed` of its panel."""

    id: RuleId
    molecule: Code
    panel: Code
    every_months: int = Field(ge=1, le=60)
    period: Literal["on_treatment", "after_stop"]
    """`on_treatment`: every N months while the molecule is given, the first one N months after
    the start (or `first_due_months`); `after_stop`: every N months after the stop, for
    `for_months` months."""
    for_months: int | None = Field(default=None, ge=1, le=240)
    first_due_months: int | None = Field(default=None, ge=0, le=60)
    source: str = Field(min_length=1)
    """Where the requirement comes from (a label, a guideline), with its address."""

    @model_validator(mode="after")
    def _after_stop_has_a_length(self) -> Monitoring:
        if self.period == "after_stop" and self.for_months is None:
            raise ValueError("an after_stop monitoring row needs for_months")
        return self


def fold(text: str) -> str:
    """Case- and accent-blind form of a name, for matching aliases."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("-", "_").replace(" ", "_")


class Ruleset(_Row):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    version: str = Field(min_length=1, max_length=64)
    title: str = ""
    status: str = "in force"
    """`in force`, or for an example file "example: to be validated by the centre's clinicians"."""
    settings: PathwaySettings = DEFAULT_SETTINGS
    molecules: tuple[Molecule, ...]
    tracks: tuple[SurveillanceTrack, ...] = ()
    rules: tuple[Rule, ...]
    lab_panels: tuple[LabPanel, ...] = ()
    monitoring: tuple[Monitoring, ...] = ()
    instructions: dict[str, str] = {}
    """Text an obligation carries to its reminders, by rule id (R14: the MRI order) or by kind."""

    _molecules: dict[str, Molecule] = PrivateAttr(default_factory=dict)
    _names: dict[str, str] = PrivateAttr(default_factory=dict)
    _tracks: dict[str, SurveillanceTrack] = PrivateAttr(default_factory=dict)
    _rules: dict[str, Rule] = PrivateAttr(default_factory=dict)
    _hash: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _consistent(self) -> Ruleset:
        problems = []
        problems += _repeated("molecule code", [m.code for m in self.molecules])
        problems += _repeated("track code", [t.code for t in self.tracks])
        problems += _repeated("rule id", [r.id for r in self.rules] + [m.id for m in self.monitoring])
        problems += _repeated("panel code", [p.code for p in self.lab_panels])
        codes, tracks, panels = {m.code for m in self.molecules}, {t.code for t in self.tracks}, {p.code for p in self.lab_panels}
        missing = [r for r in SOURCE_RULES if r not in {rule.id for rule in self.rules}]
        if missing:
            problems.append(f"rules: {', '.join(missing)} missing (every ruleset keeps R1-R20)")
        problems += [f"molecules: {m.code}: post_stop_track {m.post_stop_track!r} is not a track"
                     for m in self.molecules if m.post_stop_track and m.post_stop_track not in tracks]
        problems += [f"tracks: {t.code}: after_molecule {t.after_molecule!r} is not a molecule"
                     for t in self.tracks if t.after_molecule not in codes]
        problems += [f"monitoring: {m.id}: molecule {m.molecule!r} is not in the catalogue"
                     for m in self.monitoring if m.molecule not in codes]
        problems += [f"monitoring: {m.id}: panel {m.panel!r} is not a lab panel"
                     for m in self.monitoring if m.panel not in panels]
        names: dict[str, str] = {}
        for molecule in self.molecules:
            for name in (molecule.code, molecule.name, *molecule.aliases):
                other = names.setdefault(fold(name), molecule.code)
                if other != molecule.code:
                    problems.append(f"molecules: {name!r} names both {other} and {molecule.code}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def model_post_init(self, _context: object) -> None:
        self._molecules = {m.code: m for m in self.molecules}
        self._names = {fold(n): m.code for m in self.molecules for n in (m.code, m.name, *m.aliases)}
        self._tracks = {t.code: t for t in self.tracks}
        self._rules = {r.id: r for r in self.rules}
        canonical = self.model_dump_json(round_trip=True)
        self._hash = hashlib.sha256(canonical.encode()).hexdigest()[:12]

    # --- identity -------------------------------------------------------------------

    @property
    def label(self) -> str:
        """`id/version`, as a clinician names it (`crc-sep-marseille/2026-11.1`)."""
        return f"{self.id}/{self.version}"

    @property
    def content_hash(self) -> str:
        """The content version: the first 12 hex digits of the sha256 of its canonical JSON. Any
        change to any row (or setting) changes it, whatever the version label says."""
        return self._hash

    @property
    def reference(self) -> str:
        """`label@content_hash`: what plans and reminders name."""
        return f"{self.label}@{self.content_hash}"

    def with_settings(self, settings: PathwaySettings) -> Ruleset:
        return self.model_copy(update={"settings": settings})

    # --- look-ups -------------------------------------------------------------------

    def molecule(self, code: str) -> Molecule | None:
        return self._molecules.get(code)

    def molecule_codes(self) -> list[str]:
        return [m.code for m in self.molecules]

    def resolve_molecule(self, name: str) -> str | None:
        """The catalogue code a feed's name stands for (a code, a name or an alias, case- and
        accent-blind); None if it names none."""
        return self._names.get(fold(name))

    def suggestions(self, name: str, limit: int = 3) -> list[str]:
        """Catalogue codes whose code, name or an alias comes close to `name` ("did you mean")."""
        close = difflib.get_close_matches(fold(name), list(self._names), n=limit * 3, cutoff=0.8)
        return list(dict.fromkeys(self._names[c] for c in close))[:limit]

    def is_risk(self, code: str) -> bool:
        """Risk and induction therapies are followed as `risk_therapy` (R15, R18). A molecule the
        ruleset does not know (stored before a change of ruleset) is followed as one too: more
        monitoring, never less, and the plan names it as an anomaly."""
        molecule = self._molecules.get(code)
        return molecule is None or molecule.line in (MoleculeLine.RISK, MoleculeLine.INDUCTION)

    def track(self, code: str) -> SurveillanceTrack | None:
        return self._tracks.get(code)

    def rule(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def interval(self, rule_id: str) -> int:
        months = self._rules[rule_id].every_months
        if months is None:
            raise KeyError(f"rule {rule_id} has no rhythm in ruleset {self.label}")
        return months

    def milestones(self, rule_id: str) -> tuple[int, ...]:
        return self._rules[rule_id].milestones_months

    def instruction(self, key: str) -> tuple[str, ...]:
        text = self.instructions.get(key)
        return (text,) if text else ()

    def panel_codes(self) -> list[str]:
        return [p.code for p in self.lab_panels]

    def monitoring_of(self, molecule: str) -> list[Monitoring]:
        return [m for m in self.monitoring if m.molecule == molecule]


def _repeated(what: str, values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated = sorted({v for v in values if v in seen or seen.add(v)})
    return [f"{what} {v!r} is given twice" for v in repeated]


class RulesetRegistry(_Row):
    """The rulesets of one deployment: a default, and one per centre that has its own. A
    patient's ruleset follows its centre (`care_team_assigned.centre_id`); before any
    assignment, the default applies."""

    default: Ruleset
    by_centre: dict[str, Ruleset] = {}

    def for_centre(self, centre_id: str | None) -> Ruleset:
        return self.by_centre.get(centre_id, self.default) if centre_id else self.default

    def in_force(self) -> list[Ruleset]:
        """Each distinct ruleset once, the default first."""
        found: dict[str, Ruleset] = {self.default.reference: self.default}
        for ruleset in self.by_centre.values():
            found.setdefault(ruleset.reference, ruleset)
        return list(found.values())

    def versions(self) -> dict[str, str]:
        """`default` and each centre -> the `label@content_hash` it runs."""
        return {"default": self.default.reference} | {c: r.reference for c, r in sorted(self.by_centre.items())}

    def molecule_codes(self) -> list[str]:
        """Every code of every ruleset in force (what the API's schema lists)."""
        return list(dict.fromkeys(code for r in self.in_force() for code in r.molecule_codes()))

    def panel_codes(self) -> list[str]:
        return list(dict.fromkeys(code for r in self.in_force() for code in r.panel_codes()))


def single(ruleset: Ruleset) -> RulesetRegistry:
    """A deployment with one ruleset for every centre."""
    return RulesetRegistry(default=ruleset)

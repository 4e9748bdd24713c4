"""Every interpretation of the source, as one named, documented setting.

The French source is silent or loose on these points; `PATHWAY_RULES.md` marks
them **interpretation**. Each field names the rule it interprets. A centre can
choose other values per patient pathway (the settings travel with the workflow).
"""

from __future__ import annotations

from datetime import time
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MriPolicy(str, Enum):
    CRC_MARSEILLE = "crc_marseille"
    """R12: M6 reference, M12 efficacy (Sormani), then yearly; brain + spinal."""
    OFSEP_MINIMUM = "ofsep_minimum"
    """R13: M12 then every 36 months; brain only."""


class DeliveryMode(str, Enum):
    DIGEST = "digest"
    """Queued in the outbox; one e-mail per recipient a day lists them all."""
    IMMEDIATE = "immediate"
    """One e-mail per reminder as soon as it falls due (the behaviour before digests)."""


class PathwaySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mri_policy: MriPolicy = MriPolicy.CRC_MARSEILLE
    """R12 vs R13: the centre's first-line MRI policy."""

    cis_priority_window_months: int = Field(default=6, ge=1, le=24)
    """Stages, R1: CIS onset less than this many months before the diagnosis puts the
    patient in the OFSEP priority cohort; R1's deadline is onset + this window."""

    cis_priority_ends_with_treatment: bool = True
    """Stages: once any treatment has started, stopping it leads to `untreated_other`,
    not back to the untreated CIS priority cohort (its initial visit is over)."""

    start_lookback_days: int = Field(default=90, ge=0)
    """R8, R15: an ETP assessment or an initial validation from this many days before
    the treatment start counts for it."""

    recent_mri_months: int = Field(default=3, ge=1)
    """R11: an MRI from this many months before the start counts as recent."""

    r11_applies_to_risk_therapies: bool = True
    """R11: the source lists the pre-start MRI under first line; we ask it at every start."""

    milestone_lookback_days: int = Field(default=30, ge=0)
    """R12/R13: an MRI from this many days before a fixed milestone (M6, M12) counts for it."""

    combined_mri_days: int = Field(default=7, ge=0)
    """R14: a brain exam and a spinal exam this many days apart count as one combined MRI."""

    require_ofsep_protocol: bool = False
    """R1/R4/R7/R18 say "OFSEP MRI"; the contract satisfies MRIs by regions only.
    True makes only `ofsep_protocol` exams count for those rules."""

    mri_rhythm_override_resets_on_treatment_change: bool = True
    """R18: a clinician's MRI rhythm was set for a treatment; a start, switch or stop
    brings back the yearly default."""

    retractions_apply_to_past_views: bool = True
    """A retracted event was a mistake: a plan "as of" a date before the retraction
    still ignores it. False shows the plan as it stood then."""

    heads_up_days: dict[str, int] = Field(
        default_factory=lambda: {
            "mri": 30,
            "treatment_validation": 30,
            "follow_up_visit": 30,
            "crc_information": 14,
            "edss": 14,
        }
    )
    """Reminders: heads-up this many days before the due date, per obligation kind."""

    overdue_every_days: int = Field(default=30, ge=1)
    """Reminders: one reminder every this many days while overdue."""

    overdue_reminders_before_default: int = Field(default=6, ge=1)
    """Reminders: after this many overdue reminders the obligation is `defaulted`."""

    coordinator_kinds: tuple[str, ...] = (
        "initial_crc_visit",
        "biological_samples",
        "treatment_validation",
        "crc_information",
    )
    """R19: kinds whose reminders also go to the centre's CRC coordinator."""

    default_centre_id: str = "crc-sep-marseille"
    """R19: with no care team assigned, reminders go to this centre's default queue."""

    reminder_time: time = time(8, 0)
    """Reminders for a date are sent at this local time of the centre."""

    timezone: str = "Europe/Paris"
    """The centre's time zone: it decides "today" and the reminder hour."""

    delivery_mode: DeliveryMode = DeliveryMode.DIGEST
    """Reminders by e-mail: `digest` (one message per recipient a day, `digest_after_minutes`
    after `reminder_time`, listing every reminder due to them) or `immediate` (one message per
    reminder, when it falls due). The webhook and log channels always deliver at once (machines,
    not readers)."""

    digest_after_minutes: int = Field(default=30, ge=0, le=600)
    """**Interpretation** of "one e-mail a day at the centre's reminder hour": reminders fall due
    at `reminder_time` and each pathway queues its own (after its quiet period, 30 s; a morning
    of 2,000 patients takes minutes), so the digest leaves this long after, with the day's items."""

    delivery_mode_by_kind: dict[str, DeliveryMode] = Field(default_factory=dict)
    """Per obligation kind, a mode other than `delivery_mode` (e.g. `treatment_validation: immediate`)."""

    escalation_delivery_mode: DeliveryMode | None = None
    """The mode of an escalated reminder (R19, the first overdue one, to the CRC coordinator
    too); None: as its kind."""

    locale: Literal["fr", "en"] = "fr"
    """The language of what staff read (e-mails, the webhook's human-readable fields)."""

    def delivery_mode_for(self, kind: str, escalated: bool) -> DeliveryMode:
        """The e-mail delivery mode of a reminder of `kind`, escalated or not."""
        if escalated and self.escalation_delivery_mode is not None:
            return self.escalation_delivery_mode
        return self.delivery_mode_by_kind.get(kind, self.delivery_mode)


DEFAULT_SETTINGS = PathwaySettings()

"""The markdown a pathway shows as its current details in the Temporal UI."""

from __future__ import annotations

from domain.plan import Plan


def current_details(plan: Plan) -> str:
    centre = plan.care_team.centre_id if plan.care_team else "none assigned"
    lines = [
        f"**Patient** `{plan.patient_ref}` · **stage** {plan.stage.value if plan.stage else '—'}"
        f" · **molecule** {plan.molecule or '—'} · **centre** {centre}"
        + (f" · **ended** {plan.ended}" if plan.ended else ""),
        "",
        f"**Next due** (as of {plan.as_of.isoformat()})",
    ]
    upcoming = plan.open_obligations()[:3]
    lines += [f"- {o.due_on.isoformat()} · {o.rule} {o.kind.value} · {o.status.value}" for o in upcoming] or ["- nothing open"]
    if plan.tracks:
        lines += ["", f"**Surveillance** {', '.join(plan.tracks)}"]
    if plan.anomalies:
        lines += ["", "**Anomalies**"] + [f"- {a.code} (event `{a.event_id}`)" if a.event_id else f"- {a.code}"
                                          for a in plan.anomalies]
    return "\n".join(lines)

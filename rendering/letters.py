"""A message to one recipient listing one or more reminders (a single reminder sent at once, or
a day's digest), rendered from `templates/<locale>/letter.{subject.txt,txt,html}`.

Each item says what is due (kind label and rule id), since or until when, how late, what event
closes it and whether it is the last reminder before the obligation is marked `defaulted`
(`PATHWAY_RULES.md`, "Reminders"). Items are grouped by urgency (found overdue at import,
escalated, overdue, due, heads-up), then by patient. Only what a `ReminderMessage` carries is
shown: pseudonymous patient reference, rule, kind, dates; no molecule, diagnosis or score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

from domain.dispatch import ReminderMessage
from rendering.environment import environment
from rendering.labels import label

URGENCY = ("found_overdue_at_import", "escalated", "overdue", "due", "heads_up")


@dataclass(frozen=True)
class Addressee:
    role: str
    """`neurologist`, `crc_coordinator` or `default_queue`."""
    id: str
    display_name: str | None = None
    """From the staff directory (`Dr A. Martin`); None: not in the directory, shown by role and id."""


@dataclass(frozen=True)
class Letter:
    """What one message says. `day`: the centre's date the message is about (today's digest, or
    the reminder's day); `staff_view_url`: base URL of the staff view (None: no link)."""

    to: Addressee
    items: Sequence[ReminderMessage]
    day: date
    centre_name: str
    locale: str = "fr"
    digest: bool = False
    staff_view_url: str | None = None
    cc: Sequence[Addressee] = field(default_factory=tuple)
    """Others the same reminder went to (shown so nobody wonders whether the coordinator knows)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Item:
    """One reminder as a reader needs it; every field is plain data for the templates."""

    message: ReminderMessage
    urgency: str
    days_late: int
    days_left: int
    link: str | None


@dataclass(frozen=True)
class Group:
    urgency: str
    patients: list[tuple[str, list[Item]]]

    @property
    def count(self) -> int:
        return sum(len(items) for _, items in self.patients)


def urgency_of(message: ReminderMessage) -> str:
    if message.found_at_import:
        return "found_overdue_at_import"
    if message.escalated:
        return "escalated"
    if message.step.startswith("overdue_"):
        return "overdue"
    return message.step if message.step in URGENCY else "due"


def _link(base: str | None, patient_ref: str) -> str | None:
    return f"{base.rstrip('/')}/patients/{quote(patient_ref, safe='')}" if base else None


def grouped(letter: Letter) -> list[Group]:
    """The items by urgency (most urgent first), then by patient (in reference order), then due date."""
    groups: dict[str, dict[str, list[Item]]] = {u: {} for u in URGENCY}
    for m in sorted(letter.items, key=lambda m: (m.patient_ref, m.due_on, m.rule, m.obligation_id)):
        item = Item(m, urgency_of(m), max(0, (letter.day - m.due_on).days), max(0, (m.due_on - letter.day).days),
                    _link(letter.staff_view_url, m.patient_ref))
        groups[item.urgency].setdefault(m.patient_ref, []).append(item)
    return [Group(u, list(patients.items())) for u, patients in groups.items() if patients]


def name_of(person: Addressee, locale: str) -> str:
    """`Dr A. Martin`, or the role's label and id when the directory does not name them."""
    return person.display_name or f"{label(person.role, 'role', locale)} {person.id}"


def render_letter(letter: Letter) -> Rendered:
    """Subject, plain text and HTML of the letter, in its locale. Raises `UnknownLocale`, and
    `ValueError` for a letter without items (nothing to say is never sent)."""
    if not letter.items:
        raise ValueError("a letter needs at least one reminder")
    env = environment(letter.locale)
    context = {
        "letter": letter, "groups": grouped(letter), "count": len(letter.items),
        "patients": len({m.patient_ref for m in letter.items}),
        "recipient": name_of(letter.to, letter.locale),
        "cc": [name_of(p, letter.locale) for p in letter.cc],
    }
    subject = env.get_template("letter.subject.txt").render(context)
    return Rendered(
        subject=" ".join(subject.split()),  # one header line
        text=env.get_template("letter.txt").render(context),
        html=env.get_template("letter.html").render(context),
    )

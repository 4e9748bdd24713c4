"""What changed between two rulesets, row by row (`pathway rules diff OLD NEW`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from domain.ruleset import Ruleset

SECTIONS = (("molecules", "code"), ("tracks", "code"), ("rules", "id"), ("lab_panels", "code"), ("monitoring", "id"))


def ruleset_changes(old: Ruleset, new: Ruleset) -> list[str]:
    """One line per change: `section: + key (...)` added, `- key` removed, `~ key: field: a -> b`
    changed; settings and instructions by name. Empty when the contents are the same."""
    lines: list[str] = []
    for name in ("id", "version", "title", "status"):
        if getattr(old, name) != getattr(new, name):
            lines.append(f"{name}: {getattr(old, name)!r} -> {getattr(new, name)!r}")
    lines += _fields("settings", old.settings.model_dump(mode="json"), new.settings.model_dump(mode="json"))
    for section, key in SECTIONS:
        lines += _rows(section, key, getattr(old, section), getattr(new, section))
    lines += _fields("instructions", old.instructions, new.instructions)
    return lines


def _fields(section: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            lines.append(f"{section}: - {name}")
        elif name not in old:
            lines.append(f"{section}: + {name}: {_show(new[name])}")
        elif old[name] != new[name]:
            lines.append(f"{section}: ~ {name}: {_show(old[name])} -> {_show(new[name])}")
    return lines


def _rows(section: str, key: str, old: Sequence[BaseModel], new: Sequence[BaseModel]) -> list[str]:
    before = {getattr(r, key): r.model_dump(mode="json", exclude_defaults=True) for r in old}
    after = {getattr(r, key): r.model_dump(mode="json", exclude_defaults=True) for r in new}
    lines = []
    for name in list(before) + [n for n in after if n not in before]:
        if name not in after:
            lines.append(f"{section}: - {name}")
        elif name not in before:
            details = ", ".join(f"{k}={_show(v)}" for k, v in after[name].items() if k != key)
            lines.append(f"{section}: + {name} ({details})")
        else:
            for field in sorted(set(before[name]) | set(after[name])):
                if before[name].get(field) != after[name].get(field):
                    lines.append(f"{section}: ~ {name}: {field}: {_show(before[name].get(field))} -> "
                                 f"{_show(after[name].get(field))}")
    return lines


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return "-" if value is None else str(value)

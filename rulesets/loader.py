"""Reading ruleset files: YAML (ruamel.yaml, which keeps the line of every value), validated
by `domain.ruleset.Ruleset`. A bad file is refused whole, never applied in part, and every
problem is named by file, line and field."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from domain.ruleset import Ruleset

SECTION_KEYS = {"molecules": "code", "tracks": "code", "rules": "id", "lab_panels": "code", "monitoring": "id"}


class RulesetError(Exception):
    """A ruleset file that cannot be used; `problems` has one line per problem."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = list(problems)
        super().__init__(f"ruleset {path} refused (nothing of it applied):\n" + "\n".join(f"  {p}" for p in problems))


def load(path: Path | str) -> Ruleset:
    """The ruleset in `path`. Raises `RulesetError` naming each problem by line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RulesetError(path, [f"{path}: cannot read: {error}"]) from None
    try:
        data = YAML(typ="rt", pure=True).load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise RulesetError(path, [f"{where}: not valid YAML: {error.problem}"]) from None
    if not isinstance(data, Mapping):
        raise RulesetError(path, [f"{path}:1: a ruleset is a mapping (id, version, molecules, rules, ...)"])
    try:
        return Ruleset.model_validate(_plain(data))
    except ValidationError as error:
        raise RulesetError(path, [_describe(path, data, e) for e in error.errors()]) from None


def _plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (pydantic validates those)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _describe(path: Path, data: CommentedMap, error: dict[str, Any]) -> str:
    location = [part for part in error["loc"]]
    message = str(error["msg"]).removeprefix("Value error, ")
    if not location:  # a whole-document check: find the row it names, if any
        return "; ".join(f"{path}:{_line_of_row(data, part)}: {part}" for part in message.split("; "))
    field = ".".join(str(p) for p in location)
    return f"{path}:{_line_at(data, location)}: {field}: {message}"


def _line_at(node: Any, location: Sequence[Any]) -> int:
    """The 1-based line of the deepest part of `location` that exists in the document."""
    line = 1
    for part in location:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def _line_of_row(data: CommentedMap, problem: str) -> int:
    """`molecules: natalizumab: ...` -> the line of that molecule's row (else its section's)."""
    match = re.match(r"(\w+): (?:([\w-]+):)?", problem)
    if not match or match.group(1) not in data:
        return 1
    section, name = match.group(1), match.group(2)
    rows = data[section]
    if name and isinstance(rows, CommentedSeq):
        key = SECTION_KEYS.get(section)
        for index, row in enumerate(rows):
            if isinstance(row, Mapping) and row.get(key) == name:
                return rows.lc.item(index)[0] + 1
    return data.lc.key(section)[0] + 1

"""Ruleset files and the deployment's registry of them.

`crc-sep-marseille.yaml` is the shipped default; `examples/` holds files a centre's clinicians
review before adopting them (never loaded by default). Which file a centre runs is
configuration (`PATHWAY_RULESET`, `PATHWAY_CENTRE_RULESETS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from domain.ruleset import Ruleset, RulesetRegistry
from rulesets.loader import RulesetError, load

DIRECTORY = Path(__file__).parent
DEFAULT_FILE = DIRECTORY / "crc-sep-marseille.yaml"
EXAMPLES = DIRECTORY / "examples"

__all__ = ["DEFAULT_FILE", "EXAMPLES", "RulesetError", "default", "load", "registry"]


@lru_cache(maxsize=1)
def default() -> Ruleset:
    """The shipped default ruleset (the source's pathway), loaded once per process."""
    return load(DEFAULT_FILE)


def registry(default_file: Path | str | None = None, by_centre: Mapping[str, Path | str] | None = None) -> RulesetRegistry:
    """The deployment's rulesets: `default_file` (the shipped default when None) and one file per
    centre that has its own. Raises `RulesetError` for the first bad file (nothing is applied)."""
    base = load(default_file) if default_file else default()
    loaded: dict[str, Ruleset] = {}
    files: dict[str, Ruleset] = {}
    for centre, path in (by_centre or {}).items():
        key = str(Path(path).resolve())
        if key not in files:
            files[key] = load(path)
        loaded[centre] = files[key]
    return RulesetRegistry(default=base, by_centre=loaded)

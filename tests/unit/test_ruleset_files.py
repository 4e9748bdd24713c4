"""Ruleset files: the shipped default and the example load; a bad file is refused whole,
each problem named by file, line and field (`rulesets.load`)."""

from pathlib import Path

import pytest

from domain.ruleset import RulesetRegistry
from rulesets import DEFAULT_FILE, EXAMPLES, RulesetError, default, load, registry


def bad(tmp_path: Path, text: str) -> RulesetError:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(RulesetError) as refused:
        load(path)
    return refused.value


def test_the_default_ruleset_is_the_source_and_names_itself_with_a_content_hash():
    ruleset = default()
    assert ruleset.label == "crc-sep-marseille/2026-11.1" and len(ruleset.content_hash) == 12
    assert [r.id for r in ruleset.rules] == [f"R{n}" for n in range(1, 21)]
    assert ruleset.molecule("natalizumab").validation_every_months == 6
    assert ruleset.milestones("R12") == (6, 12)


def test_the_example_is_marked_as_an_example_and_every_monitoring_row_has_its_source():
    example = load(EXAMPLES / "current-therapies.yaml")
    assert example.status.startswith("example: to be validated")
    assert all(row.source for row in example.monitoring)
    assert {"ofatumumab", "ozanimod", "cladribine", "siponimod", "ponesimod"} <= set(example.molecule_codes())


def test_any_change_changes_the_content_hash(tmp_path):
    changed = tmp_path / "changed.yaml"
    changed.write_text(DEFAULT_FILE.read_text().replace("validation_every_months: 6, source: R15 table}\n  - {code: ocrelizumab",
                                                        "validation_every_months: 4, source: R15 table}\n  - {code: ocrelizumab"))
    assert load(changed).content_hash != default().content_hash
    assert load(changed).label == default().label


def test_a_wrong_value_is_named_by_file_line_and_field(tmp_path):
    text = DEFAULT_FILE.read_text().replace("overdue_every_days: 30", "overdue_every_days: -3")
    error = bad(tmp_path, text)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "overdue_every_days: -3" in t)
    assert error.problems == [f"{tmp_path / 'bad.yaml'}:{line}: settings.overdue_every_days: "
                              "Input should be greater than or equal to 1"]


def test_a_row_that_names_what_does_not_exist_is_named_by_its_line(tmp_path):
    text = DEFAULT_FILE.read_text().replace("post_stop_track: post_alemtuzumab", "post_stop_track: post_alemtuzumabb")
    error = bad(tmp_path, text)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "post_alemtuzumabb" in t)
    assert len(error.problems) == 1 and error.problems[0].startswith(f"{tmp_path / 'bad.yaml'}:{line}: molecules: alemtuzumab")


def test_a_missing_rule_an_unknown_field_and_a_broken_yaml_are_refused(tmp_path):
    assert "R20 missing" in str(bad(tmp_path, "\n".join(
        line for line in DEFAULT_FILE.read_text().splitlines() if "{id: R20," not in line)))
    assert "molecules.0.colour: Extra inputs are not permitted" in str(bad(tmp_path, DEFAULT_FILE.read_text().replace(
        "line: first_line}", "line: first_line, colour: blue}", 1)))
    broken = bad(tmp_path, "id: x\nmolecules: [\n")
    assert "not valid YAML" in broken.problems[0] and ":3:" in broken.problems[0]


def test_a_registry_maps_centres_to_files_and_loads_each_file_once():
    found = registry(None, {"C13": EXAMPLES / "current-therapies.yaml", "C14": EXAMPLES / "current-therapies.yaml"})
    assert isinstance(found, RulesetRegistry)
    assert found.for_centre("C13") is found.for_centre("C14") is not found.default
    assert found.for_centre(None) is found.default and found.for_centre("C06") is found.default
    assert set(found.versions()) == {"default", "C13", "C14"} and len(found.in_force()) == 2

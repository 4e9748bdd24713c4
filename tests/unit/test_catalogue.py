"""An event's codes against the patient's ruleset (domain.catalogue), as the intake checks
them: names and aliases become codes; what the centre does not know is refused with its
codes, the close ones, and how to add one."""

import pytest

from domain.catalogue import in_catalogue
from domain.errors import EventRefused
from rulesets import EXAMPLES, default, load
from tests.unit.builders import event, started, switched, validated

DEFAULT = default()


def refusal(e, ruleset=DEFAULT) -> EventRefused:
    with pytest.raises(EventRefused) as refused:
        in_catalogue(e, ruleset)
    return refused.value


def test_an_unknown_molecule_is_refused_with_the_known_codes_and_how_a_centre_adds_one():
    error = refusal(started("2026-01-10", "aspirin"))
    assert error.field == "molecule"
    assert "unknown molecule 'aspirin' in ruleset crc-sep-marseille/2026-11.1" in str(error)
    assert all(code in str(error) for code in DEFAULT.molecule_codes())
    assert "rulesets/*.yaml" in str(error) and "pathway rules check" in str(error)


def test_a_misspelt_molecule_is_refused_with_the_codes_that_come_close():
    assert "did you mean natalizumab?" in str(refusal(started("2026-01-10", "natalizumabb")))
    assert "did you mean ocrelizumab" in str(refusal(started("2026-01-10", "ocrelizumab_x")))


def test_an_ofatumumab_start_is_refused_by_the_default_ruleset_and_taken_by_the_example():
    ofatumumab = started("2026-01-10", "ofatumumab")
    assert refusal(ofatumumab).field == "molecule"
    assert in_catalogue(ofatumumab, load(EXAMPLES / "current-therapies.yaml")).molecule == "ofatumumab"


@pytest.mark.parametrize("name", ["Natalizumab", "NATALIZUMAB", " natalizumab "])
def test_a_name_in_another_case_becomes_the_code(name):
    assert in_catalogue(started("2026-01-10", name), DEFAULT).molecule == "natalizumab"


def test_a_brand_name_becomes_the_code_when_the_ruleset_lists_it_as_an_alias():
    therapies = load(EXAMPLES / "current-therapies.yaml")
    assert in_catalogue(started("2026-01-10", "Tysabri"), therapies).molecule == "natalizumab"
    assert in_catalogue(validated("2026-01-10", "Kesimpta"), therapies).molecule == "ofatumumab"


def test_a_switch_names_the_unknown_side_and_refuses_a_switch_to_the_same_molecule():
    assert refusal(switched("2026-01-10", "fingolimod", "rituximab_x")).field == "to_molecule"
    assert refusal(switched("2026-01-10", "fingolimod", "Fingolimod")).field == "to_molecule"


def test_an_unknown_laboratory_panel_or_track_is_refused_naming_the_field():
    assert refusal(event("lab_test_performed", "2026-01-10", panel="anti_jcv_serology")).field == "panel"
    assert refusal(event("surveillance_ended", "2026-01-10", track="post_cladribine")).field == "track"


def test_a_known_event_comes_back_unchanged():
    e = validated("2026-01-10", "natalizumab")
    assert in_catalogue(e, DEFAULT) is e

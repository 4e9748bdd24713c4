"""What the command line says to a mistyped argument: the user's words, not argparse's
("invalid fromisoformat value") nor a regular expression."""

from __future__ import annotations

import pytest

from pathway_cli.inputs import InvalidInput
from pathway_cli.main import build_parser
from pathway_cli.pathway_commands import _check_patient_ref

CASES = [
    (["plan", "DEMO-0001", "--as-of", "2026-13-01"],
     "argument --as-of: '2026-13-01' is not a calendar date; write it YYYY-MM-DD, e.g. 2027-03-01"),
    (["worklist", "--due-before", "tomorrow"],
     "argument --due-before: 'tomorrow' is not a calendar date; write it YYYY-MM-DD, e.g. 2027-03-01"),
    (["worklist", "--due-after", "2027-3-1"],
     "argument --due-after: '2027-3-1' is not a calendar date; write it YYYY-MM-DD, e.g. 2027-03-01"),
    (["worklist", "--limit", "ten"], "argument --limit: 'ten' is not a whole number (0, 1, 2, …)"),
]


@pytest.mark.parametrize(("argv", "said"), CASES, ids=[c[0][-2] for c in CASES])
def test_a_mistyped_argument_is_refused_in_the_user_s_words(argv, said, capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert said in error and "fromisoformat" not in error and "invalid int value" not in error


def test_a_patient_ref_outside_the_form_is_refused_without_a_regular_expression():
    with pytest.raises(InvalidInput) as refused:
        _check_patient_ref("Jean Dupont")
    assert refused.value.problems == ["patient_ref 'Jean Dupont' must be 1 to 64 letters, digits, '.', '_' or '-', "
                                      "starting with a letter or a digit (a pseudonymous reference)"]

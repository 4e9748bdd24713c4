"""The rendering foundation: locale-aware filters, labels as data, file templates, autoescaping."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from jinja2 import UndefinedError

import rendering
from domain.plan import ObligationKind, Status
from rendering.labels import table


def test_dates_read_the_french_way_by_default_and_the_english_way_in_english() -> None:
    assert rendering.format_date(date(2025, 12, 1)) == "01/12/2025"
    assert rendering.format_date(date(2025, 12, 1), "en") == "Dec 1, 2025"


def test_an_instant_is_shown_at_the_centre_wall_clock() -> None:
    at = datetime(2025, 12, 1, 7, 0, tzinfo=UTC)
    assert rendering.format_datetime(at, "fr", "Europe/Paris") == "01/12/2025 08:00"
    assert rendering.format_datetime(at, "en", "Europe/Paris") == "Dec 1, 2025, 8:00 AM"


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        rendering.format_datetime(datetime(2025, 12, 1, 8, 0))


def test_days_take_their_plural_with_a_no_break_space() -> None:
    # CLDR's no-break space keeps the number and its unit on one line.
    assert [rendering.format_days(n) for n in (1, 35)] == ["1\u00a0jour", "35\u00a0jours"]
    assert rendering.format_days(35, "en") == "35 days"


def test_an_unknown_locale_is_refused_naming_the_supported_ones() -> None:
    with pytest.raises(rendering.UnknownLocale, match="fr, en"):
        rendering.environment("de")


def test_labels_name_kinds_statuses_and_rungs_in_french_and_english() -> None:
    assert rendering.label("mri", "kind") == "IRM"
    assert rendering.label("mri", "kind", "en") == "MRI"
    assert rendering.label("overdue", "status") == "En retard"
    assert rendering.label("overdue_4", "rung") == "Relance"


def test_an_unknown_code_shows_as_itself_never_blank() -> None:
    assert rendering.label("brand_new_kind", "kind") == "brand_new_kind"


def test_every_kind_status_and_rung_of_the_domain_has_a_label() -> None:
    groups = table()
    assert {k.value for k in ObligationKind} <= set(groups["kind"]) <= set(groups["closed_by"]) | {"lab_test"}
    assert {k.value for k in ObligationKind} <= set(groups["closed_by"])
    assert {s.value for s in Status} <= set(groups["status"])
    assert {"heads_up", "due", "overdue", "last"} <= set(groups["rung"])


def test_every_label_exists_in_every_locale_and_is_not_blank() -> None:
    for group, entries in table().items():
        for code, words in entries.items():
            assert set(words) == set(rendering.LOCALES), (group, code)
            assert all(w.strip() for w in words.values()), (group, code)


def test_templates_come_from_files_with_the_filters(tmp_path: Path) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "line.txt").write_text('{{ on | date }} {{ "mri" | label("kind") }} {{ late | days }}\n')
    (tmp_path / "line.txt").write_text("{{ on | date }} {{ 'mri' | label('kind') }}\n")

    french = rendering.environment("fr", [tmp_path]).get_template("line.txt").render(on=date(2025, 12, 1), late=35)
    english = rendering.environment("en", [tmp_path]).get_template("line.txt").render(on=date(2025, 12, 1))

    assert french == "01/12/2025 IRM 35\u00a0jours\n"
    assert english == "Dec 1, 2025 MRI\n"  # no en/ directory: the directory itself


def test_html_templates_are_autoescaped_and_text_ones_are_not(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>{{ who }}</p>")
    (tmp_path / "page.txt").write_text("{{ who }}")
    env = rendering.environment("fr", [tmp_path])

    assert env.get_template("page.html").render(who="<b>Dr A. Martin</b>") == "<p>&lt;b&gt;Dr A. Martin&lt;/b&gt;</p>"
    assert env.get_template("page.txt").render(who="<b>x</b>") == "<b>x</b>"


def test_a_misspelt_variable_fails_the_render(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("{{ patinet }}")
    with pytest.raises(UndefinedError):
        rendering.environment("fr", [tmp_path]).get_template("t.txt").render(patient="P1")


def test_the_same_arguments_give_the_same_environment() -> None:
    assert rendering.environment() is rendering.environment("fr")
    assert rendering.environment("fr").globals["locale"] == "fr"

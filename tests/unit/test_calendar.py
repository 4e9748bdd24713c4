from datetime import date

from domain.calendar import add_days, add_months


def test_one_month_after_january_31_clamps_to_february_28():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_one_month_after_january_31_of_a_leap_year_is_february_29():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_twelve_months_after_february_29_clamps_to_february_28():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_forty_eight_months_after_february_29_lands_on_february_29():
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)


def test_months_roll_over_the_year_end():
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert add_months(date(2025, 12, 31), 6) == date(2026, 6, 30)


def test_negative_months_go_back_across_the_year_and_clamp():
    assert add_months(date(2026, 3, 1), -3) == date(2025, 12, 1)
    assert add_months(date(2026, 5, 31), -3) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 15), -13) == date(2024, 12, 15)


def test_zero_months_is_the_same_day():
    assert add_months(date(2026, 7, 31), 0) == date(2026, 7, 31)


def test_clamped_month_arithmetic_is_not_reversible():
    there = add_months(date(2026, 1, 31), 1)
    assert add_months(there, -1) == date(2026, 1, 28)


def test_add_days_crosses_month_and_leap_day():
    assert add_days(date(2024, 2, 28), 1) == date(2024, 2, 29)
    assert add_days(date(2026, 3, 1), -90) == date(2025, 12, 1)

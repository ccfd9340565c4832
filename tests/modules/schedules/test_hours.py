"""The pure rules of weekly hours: rows checked at their field, and a provider never at two places at once."""
from datetime import date, datetime, time, timezone

import pytest

from app.core.errors import DomainError
from app.modules.schedules.hours import OtherHours, check_week, first_clash, local_instant

UTC = timezone.utc
MONDAY = date(2026, 3, 2)


def t(hhmm: str) -> time:
    return time.fromisoformat(hhmm)


def refusal(rows) -> tuple[str, str]:
    with pytest.raises(DomainError) as caught:
        check_week(rows)
    return str(caught.value), caught.value.field


def test_split_hours_are_kept_sorted_and_empty_rows_left_out():
    rows = {0: [(t("13:00"), t("17:00")), (None, None), (t("09:00"), t("12:00"))], 3: [(None, None)]}
    assert check_week(rows) == {0: [(t("09:00"), t("12:00")), (t("13:00"), t("17:00"))]}


def test_touching_intervals_do_not_overlap():
    assert check_week({1: [(t("09:00"), t("12:00")), (t("12:00"), t("13:00"))]}) == {
        1: [(t("09:00"), t("12:00")), (t("12:00"), t("13:00"))]}


def test_an_end_not_after_its_start_is_blamed_on_that_end():
    assert refusal({2: [(t("09:00"), t("10:00")), (t("14:00"), t("13:00"))]}) == (
        "The end must be after the start (14:00).", "wednesday-1-ends_at")
    assert refusal({0: [(t("09:00"), t("09:00"))]})[1] == "monday-0-ends_at"


def test_a_row_missing_one_end_is_blamed_on_the_missing_one():
    assert refusal({6: [(None, t("10:00"))]}) == ("Give the time this interval starts.", "sunday-0-starts_at")
    assert refusal({6: [(None, None), (t("10:00"), None)]}) == ("Give the time this interval ends.", "sunday-1-ends_at")


def test_overlapping_intervals_are_blamed_on_the_later_one_as_typed():
    message, field = refusal({4: [(t("11:00"), t("15:00")), (t("09:00"), t("12:00"))]})
    assert (message, field) == ("Overlaps 09:00–12:00 on Friday.", "friday-0-starts_at")


def test_no_clash_without_hours_elsewhere_or_when_they_do_not_meet():
    week = {0: [(t("09:00"), t("12:00"))]}
    assert first_clash(week, "Europe/London", [], MONDAY) is None
    others = [OtherHours("Canal Side", "Europe/London", 0, t("12:00"), t("17:00")),
              OtherHours("Canal Side", "Europe/London", 1, t("09:00"), t("12:00"))]
    assert first_clash(week, "Europe/London", others, MONDAY) is None


def test_hours_at_another_location_on_the_same_weekday_clash():
    week = {0: [(t("07:00"), t("08:00")), (t("13:00"), t("17:00"))]}
    other = OtherHours("Canal Side", "Europe/London", 0, t("16:00"), t("18:00"))
    assert first_clash(week, "Europe/London", [other], MONDAY) == (0, 1, other)


def test_zones_are_compared_as_instants_in_every_season():
    # London 09:00–17:00 on Mondays; New York 12:00–13:00 is 17:00–18:00 in London most of the year,
    # but 16:00–17:00 in the weeks when America keeps summer time and Europe does not (March, late October).
    london = OtherHours("Harbour Street", "Europe/London", 0, t("09:00"), t("17:00"))
    week = {0: [(t("12:00"), t("13:00"))]}
    assert first_clash(week, "America/New_York", [london], date(2026, 4, 6)) == (0, 0, london)  # late October
    assert first_clash(week, "America/New_York", [london], MONDAY) == (0, 0, london)
    # 13:00 in New York is never before 17:00 in London.
    assert first_clash({0: [(t("13:00"), t("15:00"))]}, "America/New_York", [london], MONDAY) is None


def test_a_late_evening_elsewhere_can_clash_with_the_next_morning_here():
    # Sunday 20:00–23:00 in New York is Monday 01:00–04:00 in London (in winter).
    new_york = OtherHours("Brooklyn Studio", "America/New_York", 6, t("20:00"), t("23:00"))
    assert first_clash({0: [(t("02:00"), t("03:00"))]}, "Europe/London", [new_york], date(2026, 1, 5)) == (0, 0, new_york)
    assert first_clash({6: [(t("02:00"), t("03:00"))]}, "Europe/London", [new_york], date(2026, 1, 5)) is None


def test_local_times_resolve_to_utc_across_the_changes_of_clocks():
    assert local_instant(date(2026, 7, 1), t("10:00"), "Europe/London") == datetime(2026, 7, 1, 9, tzinfo=UTC)
    assert local_instant(date(2026, 12, 1), t("10:00"), "Europe/London") == datetime(2026, 12, 1, 10, tzinfo=UTC)
    # 01:30 does not happen on 29 March 2026 in London: the moment clocks jump (01:00 UTC).
    assert local_instant(date(2026, 3, 29), t("01:30"), "Europe/London") == datetime(2026, 3, 29, 1, tzinfo=UTC)
    # 01:30 happens twice on 25 October 2026: first in summer time, then (for an end) in winter time.
    assert local_instant(date(2026, 10, 25), t("01:30"), "Europe/London") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert local_instant(date(2026, 10, 25), t("01:30"), "Europe/London", earliest=False) == \
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC)

"""The pure parts of the reports: the presets' dates from a local today, the range's UTC bounds across a
change of clocks, working time by the engine's rules, the zone offsets the busiest hours shift by, and the
charts' geometry."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.core.errors import DomainError
from app.modules.availability.engine import ProviderCalendar, working_time
from app.modules.reports import charts, ranges
from app.modules.reports.figures import offsets

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc
TODAY = date(2026, 11, 10)  # a Tuesday


@pytest.mark.parametrize("preset, first, last", [
    ("this_week", date(2026, 11, 9), date(2026, 11, 15)),
    ("last_week", date(2026, 11, 2), date(2026, 11, 8)),
    ("this_month", date(2026, 11, 1), date(2026, 11, 30)),
    ("last_month", date(2026, 10, 1), date(2026, 10, 31)),
    ("last_30_days", date(2026, 10, 12), date(2026, 11, 10)),
    ("this_quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ("last_quarter", date(2026, 7, 1), date(2026, 9, 30)),
    ("this_year", date(2026, 1, 1), date(2026, 12, 31)),
    ("last_year", date(2025, 1, 1), date(2025, 12, 31)),
])
def test_each_preset_from_a_tuesday_in_november(preset, first, last):
    chosen = ranges.preset_range(preset, TODAY, LONDON)
    assert (chosen.first, chosen.last) == (first, last)


def test_january_looks_back_into_last_year():
    chosen = ranges.preset_range("last_month", date(2027, 1, 5), LONDON)
    assert (chosen.first, chosen.last) == (date(2026, 12, 1), date(2026, 12, 31))
    quarter = ranges.preset_range("last_quarter", date(2027, 2, 1), LONDON)
    assert (quarter.first, quarter.last) == (date(2026, 10, 1), date(2026, 12, 31))


def test_octobers_bounds_are_local_midnights_either_side_of_the_change():
    start, end = ranges.preset_range("last_month", TODAY, LONDON).bounds
    assert start == datetime(2026, 9, 30, 23, tzinfo=UTC)  # midnight BST
    assert end == datetime(2026, 11, 1, 0, tzinfo=UTC)  # midnight GMT: the month is 31 days and an hour


def test_no_dates_means_this_month_and_bad_ones_are_refused_at_their_field():
    assert ranges.chosen_range(preset=None, start="", end="", today=TODAY, zone=LONDON).preset == "this_month"
    assert ranges.chosen_range(preset="nonsense", start="", end="", today=TODAY, zone=LONDON).preset == "this_month"
    for start, end, field in (("2026-02-30", "2026-03-01", "start"), ("2026-03-01", "2026-02-01", "end"),
                              ("2024-01-01", "2026-01-01", "end"), ("", "2026-01-01", "start")):
        with pytest.raises(DomainError) as refused:
            ranges.chosen_range(preset=None, start=start, end=end, today=TODAY, zone=LONDON)
        assert refused.value.field == field


def test_working_time_counts_the_repeated_hour_and_leaves_out_time_off_and_closures():
    night = ProviderCalendar(1, "Ben", timedelta(0), None)
    night.weekly[6].append((time(0, 30), time(2, 30)))  # Sundays
    sunday = date(2026, 10, 25)
    assert working_time(night, sunday, sunday, LONDON) == timedelta(hours=3)
    assert working_time(night, sunday, sunday, LONDON, {sunday}) == timedelta(0)
    night.time_off.append((datetime(2026, 10, 25, 1, tzinfo=UTC), datetime(2026, 10, 25, 2, tzinfo=UTC)))
    assert working_time(night, sunday, sunday, LONDON) == timedelta(hours=2)
    spring = date(2027, 3, 28)  # 01:00–02:00 never happens: 00:30–02:30 is an hour
    assert working_time(night, spring, spring, LONDON) == timedelta(hours=1)
    night.overrides[spring] = []  # a day off
    assert working_time(night, spring, spring, LONDON) == timedelta(0)


def test_offsets_name_the_second_the_clocks_change():
    found = offsets(LONDON, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    change = int(datetime(2026, 10, 25, 1, tzinfo=UTC).timestamp())
    assert found == [(int(datetime(2026, 10, 1, tzinfo=UTC).timestamp()), 3600), (change, 0)]


def test_bars_scale_to_the_largest_and_heat_cells_shade_by_quarters():
    chart = charts.bar_chart([("a", 10, "10"), ("b", 5, "5"), ("c", 0, "0")], width=300, label_width=100, value_room=0)
    assert [bar.width for bar in chart.bars] == [200, 100, 0]
    assert chart.height == 8 + 3 * 30
    heat = charts.heat_map({(0, 9): 8, (0, 10): 2, (6, 23): 5})
    levels = {(cell.weekday, cell.hour): cell.level for cell in heat.cells if cell.count}
    assert levels == {(0, 9): 4, (0, 10): 1, (6, 23): 3}
    assert len(heat.cells) == 7 * 24 and heat.busiest == 8

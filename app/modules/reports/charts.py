"""The geometry of the reports' SVG charts: horizontal bars and the weekday × hour heat map, as plain
numbers for the templates to draw. Pure; black-and-white safe, since every bar and cell carries its number."""
from dataclasses import dataclass

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as shown beside the bar
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bars: tuple[Bar, ...]


def bar_chart(items: list[tuple[str, float, str]], *, width: int = 600, label_width: int = 180,
              bar_height: int = 22, gap: int = 8, value_room: int = 90) -> BarChart:
    """One bar per (label, value, text), scaled to the largest value; a zero is a bar of no width."""
    largest = max((value for _, value, _ in items), default=0) or 1
    room = width - label_width - value_room
    bars = tuple(
        Bar(label, text, label_width, gap + index * (bar_height + gap), round(room * max(value, 0) / largest, 1), bar_height)
        for index, (label, value, text) in enumerate(items)
    )
    return BarChart(width, gap + len(items) * (bar_height + gap), label_width, bars)


@dataclass(frozen=True)
class Cell:
    weekday: int
    hour: int
    count: int
    level: int  # 0 (none) to 4 (the busiest): the shade, always with the number written in it
    x: int
    y: int


@dataclass(frozen=True)
class HeatMap:
    width: int
    height: int
    size: int
    left: int
    top: int
    hours: tuple[int, ...]
    cells: tuple[Cell, ...]
    busiest: int


SHADES = ("#ffffff", "#e6e6e6", "#b3b3b3", "#666666", "#1a1a1a")


def heat_map(counts: dict[tuple[int, int], int], *, size: int = 26, left: int = 100, top: int = 24) -> HeatMap:
    """Seven rows (Monday first) of 24 hours; each cell's level is its share of the busiest hour in quarters."""
    busiest = max(counts.values(), default=0)
    hours = tuple(range(24))
    cells = tuple(
        Cell(weekday, hour, count, _level(count, busiest), left + hour * size, top + weekday * size)
        for weekday in range(7) for hour in hours
        for count in [counts.get((weekday, hour), 0)]
    )
    return HeatMap(left + 24 * size, top + 7 * size, size, left, top, hours, cells, busiest)


def _level(count: int, busiest: int) -> int:
    if count <= 0 or busiest <= 0:
        return 0
    return min(4, 1 + (4 * count - 1) // busiest)

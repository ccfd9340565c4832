"""Template filters: money in minor units, instants shown in a location's wall-clock time."""
from datetime import datetime
from decimal import Decimal

from app.core.zones import wall_time
from app.modules.catalogue.money import decimals

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "AUD": "A$", "CAD": "C$"}


def money(minor_units: int, currency: str) -> str:
    if minor_units == 0:
        return "Free"
    places = decimals(currency)
    amount = f"{Decimal(minor_units).scaleb(-places):,.{places}f}"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{amount}" if symbol else f"{amount} {currency.upper()}"


def local_time(instant: datetime, zone: str, fmt: str = "%H:%M") -> str:
    """The wall-clock time, with the zone's abbreviation when it is one of autumn's repeated hour."""
    return wall_time(instant, zone, fmt)


def duration(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


def duration_range(shortest: int, longest: int) -> str:
    """"50 min", or "50–60 min" when providers' lengths differ."""
    if shortest == longest:
        return duration(shortest)
    if longest <= 60:
        return f"{shortest}–{longest} min"
    return f"{duration(shortest)}–{duration(longest)}"


def money_range(lowest: int, highest: int, currency: str) -> str:
    """"£55.00", or "£55.00–£70.00" when providers' prices differ."""
    if lowest == highest:
        return money(lowest, currency)
    return f"{money(lowest, currency)}–{money(highest, currency)}"


def percent(rate: float | None) -> str:
    """A share as a percentage to one decimal: 0.0244 → "2.4%"; "—" when there is nothing to divide by."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def init_app(app) -> None:
    app.add_template_filter(percent)
    app.add_template_filter(money)
    app.add_template_filter(local_time)
    app.add_template_filter(duration)
    app.add_template_filter(duration_range)
    app.add_template_filter(money_range)

"""Template filters: money in minor units, instants shown in a location's wall-clock time."""
from datetime import datetime
from zoneinfo import ZoneInfo

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "AUD": "A$", "CAD": "C$"}


def money(minor_units: int, currency: str) -> str:
    if minor_units == 0:
        return "Free"
    amount = f"{minor_units / 100:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{amount}" if symbol else f"{amount} {currency.upper()}"


def local_time(instant: datetime, zone: str, fmt: str = "%H:%M") -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime(fmt)


def duration(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


def init_app(app) -> None:
    app.add_template_filter(money)
    app.add_template_filter(local_time)
    app.add_template_filter(duration)

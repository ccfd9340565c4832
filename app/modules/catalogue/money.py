"""Prices as a practice types them ("45.50") and as they are stored: integer minor units of its currency."""
import re
from decimal import Decimal

from app.core.errors import DomainError

# ISO 4217 currencies whose minor unit is not a hundredth; every other currency has two decimals.
DECIMALS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                     "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
# Prices are 32-bit integers in the database.
LARGEST = 2**31 - 1
# Digits, optionally grouped by commas in threes ("1,250"), then optionally a point and decimals.
AMOUNT = re.compile(r"(?P<whole>\d+|\d{1,3}(?:,\d{3})+)(?:\.(?P<fraction>\d*))?")


def decimals(currency: str) -> int:
    """How many decimals ``currency`` has: 2 for EUR, 0 for JPY, 3 for KWD."""
    return DECIMALS.get((currency or "").upper(), 2)


def parse_amount(text: str, currency: str, *, field: str = "price") -> int:
    """ "45.50" EUR → 4550; "1,200" JPY → 1200. Refuses negatives, more decimals than the currency
    has, and anything that is not an amount, with the error at ``field``."""
    text = (text or "").strip()
    places = decimals(currency)
    example = "4500" if places == 0 else "45." + "5" + "0" * (places - 1)
    if text.startswith("-"):
        raise DomainError("A price cannot be negative.", field=field)
    match = AMOUNT.fullmatch(text)
    if match is None:
        raise DomainError(f"Enter an amount such as {example}.", field=field)
    fraction = (match["fraction"] or "").rstrip("0")
    if len(fraction) > places:
        message = f"{currency.upper()} has no decimals." if places == 0 else f"At most {places} decimals in {currency.upper()}."
        raise DomainError(message, field=field)
    whole = match["whole"].replace(",", "")
    minor = int(whole) * 10**places + int(fraction.ljust(places, "0") or 0)
    if minor > LARGEST:
        raise DomainError("That is more than a price can be.", field=field)
    return minor


def amount_text(minor_units: int, currency: str) -> str:
    """What a form shows of a stored price, ready to be typed over: 4550 EUR → "45.50", 4500 JPY → "4500"."""
    places = decimals(currency)
    return f"{Decimal(minor_units).scaleb(-places):.{places}f}"

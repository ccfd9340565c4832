"""Prices typed in a practice's currency become integer minor units, and back."""
import pytest

from app.core.errors import DomainError
from app.modules.catalogue.money import amount_text, decimals, parse_amount
from app.web.formatting import money


@pytest.mark.parametrize(("typed", "currency", "minor"), [
    ("45.50", "EUR", 4550), ("45.5", "EUR", 4550), ("45", "EUR", 4500), ("45.", "EUR", 4500), (" 0 ", "EUR", 0),
    ("1,250.00", "GBP", 125000), ("45.500", "EUR", 4550),  # a trailing zero is no extra precision
    ("4500", "JPY", 4500), ("4,500", "jpy", 4500), ("4500.0", "JPY", 4500), ("1.234", "KWD", 1234),
])
def test_typed_amounts_become_minor_units(typed, currency, minor):
    assert parse_amount(typed, currency) == minor


@pytest.mark.parametrize(("typed", "currency", "message"), [
    ("-5", "EUR", "A price cannot be negative."),
    ("45.505", "EUR", "At most 2 decimals in EUR."),
    ("4500.5", "JPY", "JPY has no decimals."),
    ("1.2345", "KWD", "At most 3 decimals in KWD."),
    ("", "EUR", "Enter an amount such as 45.50."),
    ("abc", "EUR", "Enter an amount such as 45.50."),
    ("45,50", "EUR", "Enter an amount such as 45.50."),  # a decimal comma is refused, not read as 4550
    ("1e3", "EUR", "Enter an amount such as 45.50."),
    ("€45", "EUR", "Enter an amount such as 45.50."),
    ("x", "JPY", "Enter an amount such as 4500."),
    ("99999999999", "EUR", "That is more than a price can be."),
])
def test_bad_amounts_are_refused_at_the_field(typed, currency, message):
    with pytest.raises(DomainError) as refused:
        parse_amount(typed, currency, field="price_7")
    assert (str(refused.value), refused.value.field) == (message, "price_7")


def test_amounts_shown_back_in_forms_and_pages():
    assert (decimals("EUR"), decimals("JPY"), decimals("KWD")) == (2, 0, 3)
    assert (amount_text(4550, "EUR"), amount_text(4500, "JPY"), amount_text(1234, "KWD")) == ("45.50", "4500", "1.234")
    assert parse_amount(amount_text(4550, "EUR"), "EUR") == 4550
    assert (money(4550, "EUR"), money(123456, "GBP"), money(4500, "JPY"), money(0, "EUR")) == (
        "€45.50", "£1,234.56", "4,500 JPY", "Free")

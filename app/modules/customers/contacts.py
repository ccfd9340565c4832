"""Customers' contact details: validated and normalised email addresses and phone numbers."""
import importlib.resources
from functools import cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class ContactError(ValueError):
    pass


def normalise_email(value: str) -> str:
    """A syntactically valid address, lower-cased for matching customers."""
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ContactError(str(error)) from None
    return result.normalized.lower()


@cache
def _countries_by_zone() -> dict[str, str]:
    table = importlib.resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text()
    rows = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return {row[2]: row[0] for row in rows}


def region_for_timezone(zone: str) -> str | None:
    """The country a time zone belongs to, to read phone numbers written without +country code."""
    return _countries_by_zone().get(zone)


def normalise_phone(value: str, region: str | None) -> str:
    """The number in E.164 (+447700900123); national formats are read as ``region``'s."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ContactError("That does not look like a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError("That phone number is not valid. Include the country code, e.g. +44.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

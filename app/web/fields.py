"""Form fields every face shares."""
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice

from app.modules.catalogue.locations import zones_by_region

MAX_DIGITS = 9  # far beyond any count we ask for, and within every integer column


class WholeNumberField(IntegerField):
    """An integer field that refuses absurdly long numbers with a field error, instead of passing
    them to validators that overflow on them (WTForms' NumberRange does, converting to float)."""

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist[0].strip().lstrip("+-")) > MAX_DIGITS:
            self.data = None
            raise ValueError(self.gettext("That number is too large."))
        super().process_formdata(valuelist)


class TimeZoneField(SelectField):
    """The IANA time zones, grouped by region. The domain checks the choice with zoneinfo (a form
    may also let a zone be typed), so the field does not refuse what its list lacks."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, validate_choice=False, **kwargs)
        self.choices = {region: [SelectChoice(zone, zone) for zone in zones] for region, zones in zones_by_region()}

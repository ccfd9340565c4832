"""Form fields every face shares."""
from wtforms import IntegerField

MAX_DIGITS = 9  # far beyond any count we ask for, and within every integer column


class WholeNumberField(IntegerField):
    """An integer field that refuses absurdly long numbers with a field error, instead of passing
    them to validators that overflow on them (WTForms' NumberRange does, converting to float)."""

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist[0].strip().lstrip("+-")) > MAX_DIGITS:
            self.data = None
            raise ValueError(self.gettext("That number is too large."))
        super().process_formdata(valuelist)

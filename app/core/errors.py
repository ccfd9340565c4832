"""The one shape of a refusal from the domain: a message for the person asking, and the field at fault."""


class DomainError(Exception):
    """A change the domain will not make. ``field`` names the input to blame, when one is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field

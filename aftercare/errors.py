"""One family of domain errors: a machine code, a translatable message, optional field errors.

Services raise them; the web layer shows the message in place, the API turns them into
``{"error": {"code", "message", "fields"}}`` with the status below.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, code: str | None = None, fields: dict | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    code = "invalid"
    default_message = _("Some of the data is not valid.")


class NotAllowed(DomainError):
    """Same tenant, wrong role or wrong state for this action."""

    code = "not_allowed"
    status = 403
    default_message = _("You are not allowed to do this.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("The data changed meanwhile; reload and try again.")

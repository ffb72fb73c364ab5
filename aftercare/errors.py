"""One family of domain errors: a machine code, a translatable message, optional field errors.

Services raise them; pages map them with ``aftercare.views.errors.domain_errors`` (or show
the fields in place on a form), the API with ``aftercare.api_conf.exception_handler`` into
``{"error": {"code", "message", "fields"}}`` with the status below. Another tenant's object
is not a domain error: lookups raise ``Http404`` (``aftercare.tenancy.get_visible_or_404``).
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

    def api_fields(self) -> dict[str, list[dict]]:
        """``fields`` as the API shows them: ``{field: [{"code", "message"}]}``. An error
        with machine-readable details (e.g. every violation of a plan) overrides this."""
        return {
            name: [{"code": self.code, "message": str(m)} for m in messages]
            for name, messages in self.fields.items()
        }


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

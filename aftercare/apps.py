from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    name = "aftercare"
    verbose_name = _("After-school services")

    def ready(self):
        from aftercare import (
            checks,  # noqa: F401 - registers the system checks
            registry,
            schema,  # noqa: F401 - registers the OpenAPI field extensions
        )
        from aftercare.context_processors import kernel_nav

        registry.register_nav(0, kernel_nav)
        # Tasks registered in every process: aftercare.notifications dispatches by name.
        import_module("aftercare.tasks")
        # Connections act as the least-privilege app role (aftercare/db_security.py).
        from aftercare import db_security

        db_security.connect_signals()

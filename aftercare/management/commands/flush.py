"""``flush`` as the database owner: it TRUNCATEs, which the app role may not (tests with
``transaction=True`` flush after each test; aftercare/db_security.py)."""

from django.core.management.commands.flush import Command as FlushCommand

from aftercare import db_security


class Command(FlushCommand):
    def handle(self, **options):
        with db_security.owner_mode(options["database"]):
            return super().handle(**options)

"""``migrate`` as the database owner, then the app role's privileges (aftercare/db_security.py).

The owner is ``DATABASE_OWNER_URL``'s user when it is set, else ``DATABASE_URL``'s (without
the ``SET ROLE`` the app's connections make). After the migrations the app role is created if
missing and granted what it needs over every table, idempotently.
"""

from django.core.management.commands.migrate import Command as MigrateCommand

from aftercare import db_security


class Command(MigrateCommand):
    def execute(self, *args, **options):
        # The system checks before handle() connect too: the owner from the start.
        with db_security.owner_mode(options.get("database", "default")):
            return super().execute(*args, **options)

    def handle(self, *args, **options):
        result = super().handle(*args, **options)
        if not options.get("plan") and not options.get("check_unapplied"):
            db_security.apply_privileges(options["database"])
        return result

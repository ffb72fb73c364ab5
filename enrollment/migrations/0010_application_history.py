"""Applications: append-only transition history, pending guardian bindings (issue 7)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0009_registration_holes"),
    ]

    operations = []

"""Course registration: lottery seed commitment, cancelled courses, cache version (issue 7)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0008_plans_move_to_their_app"),
    ]

    operations = []

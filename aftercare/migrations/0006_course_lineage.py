"""Course.lineage: one id shared by a course and its amended copies (seats follow it).

Existing courses each get their own lineage; the plan-part guard trigger is paused for that
one backfill (it refuses changes to courses of approved versions).
"""

import uuid

from django.db import migrations, models

BACKFILL = """
ALTER TABLE aftercare_course DISABLE TRIGGER aftercare_course_guard;
UPDATE aftercare_course SET lineage = gen_random_uuid();
ALTER TABLE aftercare_course ENABLE TRIGGER aftercare_course_guard;
"""


class Migration(migrations.Migration):
    dependencies = [("aftercare", "0005_registration_mode_and_limit")]

    operations = [
        migrations.AddField(
            model_name="course",
            name="lineage",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="course",
            name="lineage",
            field=models.UUIDField(default=uuid.uuid4, editable=False, db_index=True),
        ),
    ]

"""The district's whitelist moves to the institutions app (issue 18): every row of
scheduling.Institution is copied, same id and public id, into institutions.Institution
(status and evaluation kept), then the staff's foreign key points there and the old table goes.
"""

import django.db.models.deletion
from django.db import migrations, models


FIELDS = [
    "id",
    "public_id",
    "district_id",
    "name",
    "licence_number",
    "licence_valid_until",
    "price_list",
    "evaluation_score",
    "evaluation_note",
    "status",
    "status_note",
    "status_changed_at",
    "created_at",
]


def _copy(apps, schema_editor, source, target):
    Old = apps.get_model(*source)
    New = apps.get_model(*target)
    rows = [New(**{f: getattr(old, f) for f in FIELDS}) for old in Old.objects.order_by("pk")]
    New.objects.bulk_create(rows, batch_size=500)
    table = New._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def forward(apps, schema_editor):
    _copy(apps, schema_editor, ("scheduling", "Institution"), ("institutions", "Institution"))


def backward(apps, schema_editor):
    _copy(apps, schema_editor, ("institutions", "Institution"), ("scheduling", "Institution"))


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0001_initial"),
        ("scheduling", "0002_lean_sessions"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.AlterField(
            model_name="staffmember",
            name="institution",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="instructors",
                to="institutions.institution",
                verbose_name="institution",
            ),
        ),
        migrations.DeleteModel(
            name="Institution",
        ),
    ]

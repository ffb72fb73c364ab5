"""Foreign keys now name ``plans.Course`` / ``plans.SchoolPlan``: same tables, state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0007_sms_ip_index"),
        ("plans", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='application',
                    name='plan',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='applications', to='plans.schoolplan'),
                ),
                migrations.AlterField(
                    model_name='coursecapacity',
                    name='course',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='seats', serialize=False, to='plans.course'),
                ),
                migrations.AlterField(
                    model_name='courseregistration',
                    name='course',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='registrations', to='plans.course'),
                ),
                migrations.AlterField(
                    model_name='lotterydraw',
                    name='course',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='draw', to='plans.course'),
                ),
            ],
        ),
    ]

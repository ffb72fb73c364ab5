"""Policy and plan models moved to the ``plans`` app: drop them from this app's state.

The tables stay where they are (``plans`` models keep ``db_table``); only Django's idea of
which app owns them changes, so no SQL runs here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("aftercare", "0007_lean_indexes"),
        ("enrollment", "0008_plans_move_to_their_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='course',
                    name='district',
                ),
                migrations.RemoveField(
                    model_name='course',
                    name='school',
                ),
                migrations.RemoveField(
                    model_name='course',
                    name='version',
                ),
                migrations.RemoveField(
                    model_name='districtpolicy',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='districtpolicy',
                    name='district',
                ),
                migrations.RemoveField(
                    model_name='districtpolicy',
                    name='semester',
                ),
                migrations.RemoveField(
                    model_name='planversion',
                    name='policy',
                ),
                migrations.RemoveField(
                    model_name='policyseason',
                    name='policy',
                ),
                migrations.RemoveField(
                    model_name='planversion',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='planversion',
                    name='decided_by',
                ),
                migrations.RemoveField(
                    model_name='planversion',
                    name='district',
                ),
                migrations.RemoveField(
                    model_name='planversion',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='planversion',
                    name='school',
                ),
                migrations.RemoveField(
                    model_name='serviceperiod',
                    name='version',
                ),
                migrations.RemoveField(
                    model_name='registrationwindow',
                    name='version',
                ),
                migrations.RemoveField(
                    model_name='policyseason',
                    name='district',
                ),
                migrations.RemoveField(
                    model_name='registrationwindow',
                    name='district',
                ),
                migrations.RemoveField(
                    model_name='registrationwindow',
                    name='school',
                ),
                migrations.RemoveField(
                    model_name='schoolplan',
                    name='district',
                ),
                migrations.RemoveField(
                    model_name='schoolplan',
                    name='school',
                ),
                migrations.RemoveField(
                    model_name='schoolplan',
                    name='semester',
                ),
                migrations.RemoveField(
                    model_name='serviceperiod',
                    name='district',
                ),
                migrations.RemoveField(
                    model_name='serviceperiod',
                    name='school',
                ),
                migrations.DeleteModel(
                    name='Course',
                ),
                migrations.DeleteModel(
                    name='DistrictPolicy',
                ),
                migrations.DeleteModel(
                    name='PlanVersion',
                ),
                migrations.DeleteModel(
                    name='PolicySeason',
                ),
                migrations.DeleteModel(
                    name='RegistrationWindow',
                ),
                migrations.DeleteModel(
                    name='SchoolPlan',
                ),
                migrations.DeleteModel(
                    name='ServicePeriod',
                ),
            ],
        ),
    ]

"""The parents' committee reviewer (家委会): a school-level role that reads and confirms that
school's term-end fee disclosure (billing) and nothing else. The membership level check is
unchanged: like every role outside DISTRICT_ROLES it needs a school."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aftercare", "0010_inspector_role"),
    ]

    operations = [
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=[
                    ("district_official", "District official"),
                    ("inspector", "Inspector (督学)"),
                    ("principal", "Principal"),
                    ("school_admin", "School administrator"),
                    ("homeroom_teacher", "Homeroom teacher"),
                    ("care_teacher", "Care teacher"),
                    ("parent", "Parent"),
                    ("parent_committee", "Parents' committee reviewer (家委会)"),
                ],
                max_length=32,
                verbose_name="role",
            ),
        ),
    ]

"""School categories, their assignments and rule overrides (issue 16); a plan's basic care
declares its class of service; the daily lesson limit and provincial ceilings.

Beyond the generated operations:
* the plan immutability guard is recreated with ``basic_service_class`` among the content
  columns (aftercare 0004/0005 pattern), so a frozen version's class cannot change;
* composite foreign keys make an assignment's and an override's category belong to the same
  policy version as the row itself.
"""
import importlib

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

_0004 = importlib.import_module("aftercare.migrations.0004_plan_immutability")
_0005 = importlib.import_module("aftercare.migrations.0005_registration_mode_and_limit")
CONTENT_FIELDS = (*_0005.CONTENT_FIELDS, "basic_service_class")


def _guard_sql(fields):
    old = ", ".join(f"OLD.{f}" for f in fields)
    new = ", ".join(f"NEW.{f}" for f in fields)
    return _0004.GUARD_FUNCTION.format(old=old, new=new)


SAME_POLICY = """
ALTER TABLE plans_schoolcategory
    ADD CONSTRAINT category_policy_id_unique UNIQUE (policy_id, id);
ALTER TABLE plans_schoolcategoryassignment
    ADD CONSTRAINT assignment_category_same_policy FOREIGN KEY (policy_id, category_id)
    REFERENCES plans_schoolcategory (policy_id, id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE plans_ruleoverride
    ADD CONSTRAINT override_category_same_policy FOREIGN KEY (policy_id, category_id)
    REFERENCES plans_schoolcategory (policy_id, id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
"""
SAME_POLICY_BACKWARD = """
ALTER TABLE plans_ruleoverride DROP CONSTRAINT override_category_same_policy;
ALTER TABLE plans_schoolcategoryassignment DROP CONSTRAINT assignment_category_same_policy;
ALTER TABLE plans_schoolcategory DROP CONSTRAINT category_policy_id_unique;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('aftercare', '0008_plans_move_to_their_app'),
        ('plans', '0004_stable_exemption_codes'),
    ]

    operations = [
        migrations.CreateModel(
            name='RuleOverride',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage', models.CharField(choices=[('all', 'All grades'), ('primary', 'Primary school (小学, grades 1–6)'), ('junior', 'Junior secondary (初中, grades 7–9)')], default='all', max_length=8, verbose_name='stage')),
                ('service_class', models.CharField(choices=[('all', 'All classes of service'), ('supervision', 'Basic care: supervision (作业辅导、看护)'), ('activities', 'Basic care with activities (基础托管+特色活动)'), ('extended', 'Extended courses (拓展课程)')], default='all', max_length=16, verbose_name='class of service')),
                ('rule', models.CharField(choices=[('basic_care_must_be_free', 'basic_care_must_be_free'), ('basic_cap_per_lesson', 'basic_cap_per_lesson'), ('basic_cap_per_hour', 'basic_cap_per_hour'), ('basic_cap_per_month', 'basic_cap_per_month'), ('basic_cap_per_semester', 'basic_cap_per_semester'), ('extended_cap_per_lesson', 'extended_cap_per_lesson'), ('extended_cap_per_hour', 'extended_cap_per_hour'), ('extended_cap_per_month', 'extended_cap_per_month'), ('extended_cap_per_semester', 'extended_cap_per_semester'), ('max_lessons_per_day', 'max_lessons_per_day'), ('min_minutes_per_day', 'min_minutes_per_day'), ('latest_end_time', 'latest_end_time'), ('evening_latest_end_time', 'evening_latest_end_time'), ('evening_max_minutes', 'evening_max_minutes'), ('subsidy_per_student_year', 'subsidy_per_student_year'), ('remote_uplift_percent', 'remote_uplift_percent'), ('teacher_pay_cap_per_lesson', 'teacher_pay_cap_per_lesson'), ('teacher_pay_cap_per_hour', 'teacher_pay_cap_per_hour'), ('teacher_paid_lessons_per_day', 'teacher_paid_lessons_per_day'), ('teacher_paid_lessons_per_week', 'teacher_paid_lessons_per_week'), ('students_per_teacher', 'students_per_teacher'), ('teacher_remainder_threshold', 'teacher_remainder_threshold'), ('groups_per_manager', 'groups_per_manager'), ('manager_remainder_threshold', 'manager_remainder_threshold'), ('max_basic_group_size', 'max_basic_group_size'), ('group_merge_threshold', 'group_merge_threshold'), ('min_extended_course_size', 'min_extended_course_size')], max_length=40, verbose_name='rule')),
                ('value', models.CharField(blank=True, max_length=16, verbose_name='value')),
            ],
            options={
                'verbose_name': 'rule override',
                'verbose_name_plural': 'rule overrides',
                'ordering': ['policy_id', 'category_id', 'rule', 'stage', 'service_class'],
            },
        ),
        migrations.CreateModel(
            name='SchoolCategory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(help_text='Stable identifier: kept by every later version, never derived from the name.', max_length=40, verbose_name='code')),
                ('name', models.CharField(max_length=40, verbose_name='name')),
                ('description', models.CharField(blank=True, max_length=200, verbose_name='description')),
                ('position', models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'school category',
                'verbose_name_plural': 'school categories',
                'ordering': ['policy_id', 'position', 'id'],
            },
        ),
        migrations.CreateModel(
            name='SchoolCategoryAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
            options={
                'verbose_name': 'school category assignment',
                'verbose_name_plural': 'school category assignments',
            },
        ),
        migrations.AddField(
            model_name='districtpolicy',
            name='max_lessons_per_day',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Empty: no daily limit.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='lessons (课时) per student per day at most'),
        ),
        migrations.AddField(
            model_name='districtpolicy',
            name='rule_ceilings',
            field=models.JSONField(blank=True, default=dict, help_text='Rule -> highest value the province allows (e.g. basic care per lesson 3.50): no district default or category may exceed it.', verbose_name='provincial ceilings'),
        ),
        migrations.AddField(
            model_name='planversion',
            name='basic_service_class',
            field=models.CharField(choices=[('supervision', 'Basic care: supervision (作业辅导、看护)'), ('activities', 'Basic care with activities (基础托管+特色活动)')], default='supervision', help_text='Supervision only (homework, reading), or supervision with activities: the district may set different fee caps for each.', max_length=16, verbose_name='class of basic care'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=models.Q(('basic_service_class__in', ['supervision', 'activities'])), name='plan_basic_service_class_valid'),
        ),
        migrations.AddField(
            model_name='ruleoverride',
            name='district',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.district'),
        ),
        migrations.AddField(
            model_name='ruleoverride',
            name='policy',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='overrides', to='plans.districtpolicy'),
        ),
        migrations.AddField(
            model_name='schoolcategory',
            name='district',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.district'),
        ),
        migrations.AddField(
            model_name='schoolcategory',
            name='policy',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='categories', to='plans.districtpolicy'),
        ),
        migrations.AddField(
            model_name='ruleoverride',
            name='category',
            field=models.ForeignKey(blank=True, help_text='Empty: every school (a district default for this stage or class).', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='overrides', to='plans.schoolcategory'),
        ),
        migrations.AddField(
            model_name='schoolcategoryassignment',
            name='category',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='plans.schoolcategory'),
        ),
        migrations.AddField(
            model_name='schoolcategoryassignment',
            name='district',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.district'),
        ),
        migrations.AddField(
            model_name='schoolcategoryassignment',
            name='policy',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='plans.districtpolicy'),
        ),
        migrations.AddField(
            model_name='schoolcategoryassignment',
            name='school',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.school'),
        ),
        migrations.AddConstraint(
            model_name='schoolcategory',
            constraint=models.UniqueConstraint(fields=('policy', 'code'), name='category_code_unique'),
        ),
        migrations.AddConstraint(
            model_name='schoolcategory',
            constraint=models.UniqueConstraint(fields=('policy', 'name'), name='category_name_unique'),
        ),
        migrations.AddConstraint(
            model_name='schoolcategory',
            constraint=models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='category_name_not_empty'),
        ),
        migrations.AddConstraint(
            model_name='ruleoverride',
            constraint=models.UniqueConstraint(fields=('policy', 'category', 'stage', 'service_class', 'rule'), name='override_unique_scope', nulls_distinct=False),
        ),
        migrations.AddConstraint(
            model_name='ruleoverride',
            constraint=models.CheckConstraint(condition=models.Q(('stage__in', ['all', 'primary', 'junior'])), name='override_stage_valid'),
        ),
        migrations.AddConstraint(
            model_name='ruleoverride',
            constraint=models.CheckConstraint(condition=models.Q(('service_class__in', ['all', 'supervision', 'activities', 'extended'])), name='override_service_class_valid'),
        ),
        migrations.AddConstraint(
            model_name='ruleoverride',
            constraint=models.CheckConstraint(condition=models.Q(('rule__in', ['basic_care_must_be_free', 'basic_cap_per_lesson', 'basic_cap_per_hour', 'basic_cap_per_month', 'basic_cap_per_semester', 'extended_cap_per_lesson', 'extended_cap_per_hour', 'extended_cap_per_month', 'extended_cap_per_semester', 'max_lessons_per_day', 'min_minutes_per_day', 'latest_end_time', 'evening_latest_end_time', 'evening_max_minutes', 'subsidy_per_student_year', 'remote_uplift_percent', 'teacher_pay_cap_per_lesson', 'teacher_pay_cap_per_hour', 'teacher_paid_lessons_per_day', 'teacher_paid_lessons_per_week', 'students_per_teacher', 'teacher_remainder_threshold', 'groups_per_manager', 'manager_remainder_threshold', 'max_basic_group_size', 'group_merge_threshold', 'min_extended_course_size'])), name='override_rule_valid'),
        ),
        migrations.AddConstraint(
            model_name='ruleoverride',
            constraint=models.CheckConstraint(condition=models.Q(('category__isnull', False), models.Q(('stage', 'all'), _negated=True), models.Q(('service_class', 'all'), _negated=True), _connector='OR'), name='override_default_is_scoped'),
        ),
        migrations.AddConstraint(
            model_name='schoolcategoryassignment',
            constraint=models.UniqueConstraint(fields=('policy', 'school'), name='category_one_per_school'),
        ),
        migrations.RunSQL(_guard_sql(CONTENT_FIELDS), _guard_sql(_0005.CONTENT_FIELDS)),
        migrations.RunSQL(SAME_POLICY, SAME_POLICY_BACKWARD),
    ]

"""The policy and plan models, taken over from ``aftercare`` with their tables (state only:
the tables were created by aftercare 0003-0007 and keep their names through ``db_table``)."""

import django.contrib.postgres.fields
import django.core.validators
import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('aftercare', '0007_lean_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='DistrictPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('preset', models.CharField(blank=True, max_length=32, verbose_name='started from preset')),
                        ('change_note', models.CharField(blank=True, max_length=200, verbose_name='what changed')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('service_weekdays', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')]), default=list, size=None, verbose_name='service days')),
                        ('require_every_service_day', models.BooleanField(default=True, verbose_name='every grade is served on every service day (5+2)')),
                        ('min_minutes_per_day', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='minimum minutes of service per day')),
                        ('latest_end_time', models.TimeField(verbose_name='latest end time')),
                        ('lunch_care_allowed', models.BooleanField(default=True, verbose_name='lunch care allowed')),
                        ('evening_study_allowed', models.BooleanField(default=False, verbose_name='evening self-study allowed')),
                        ('evening_latest_end_time', models.TimeField(blank=True, null=True, verbose_name='evening study latest end')),
                        ('evening_max_minutes', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='evening study maximum minutes')),
                        ('lesson_minutes', models.PositiveSmallIntegerField(default=40, validators=[django.core.validators.MinValueValidator(20), django.core.validators.MaxValueValidator(90)], verbose_name='minutes per lesson (课时)')),
                        ('basic_care_must_be_free', models.BooleanField(default=False, verbose_name='basic care must be free')),
                        ('basic_cap_per_lesson', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='basic care cap per lesson')),
                        ('basic_cap_per_hour', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='basic care cap per hour')),
                        ('basic_cap_per_month', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='basic care cap per month')),
                        ('basic_cap_per_semester', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='basic care cap per semester')),
                        ('extended_cap_per_lesson', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='extended course cap per lesson')),
                        ('extended_cap_per_hour', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='extended course cap per hour')),
                        ('extended_cap_per_month', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='extended course cap per month')),
                        ('extended_cap_per_semester', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='extended course cap per semester')),
                        ('subsidy_per_student_year', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='subsidy per student per year')),
                        ('remote_uplift_percent', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(100)], verbose_name='remote-area uplift (%)')),
                        ('teacher_pay_cap_per_lesson', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='teacher pay cap per lesson')),
                        ('teacher_pay_cap_per_hour', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='teacher pay cap per hour')),
                        ('teacher_paid_lessons_per_day', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='paid lessons per teacher per day')),
                        ('students_per_teacher', models.PositiveSmallIntegerField(default=45, validators=[django.core.validators.MinValueValidator(1)], verbose_name='students per teacher')),
                        ('teacher_remainder_threshold', models.PositiveSmallIntegerField(default=0, help_text='0: any remainder needs another teacher.', verbose_name='another teacher when the remainder exceeds')),
                        ('groups_per_manager', models.PositiveSmallIntegerField(blank=True, help_text='Empty: no managers required.', null=True, verbose_name='groups per manager')),
                        ('manager_remainder_threshold', models.PositiveSmallIntegerField(default=0, verbose_name='another manager when the remaining groups exceed')),
                        ('max_basic_group_size', models.PositiveSmallIntegerField(default=40, validators=[django.core.validators.MinValueValidator(1)], verbose_name='maximum basic care group size')),
                        ('min_extended_course_size', models.PositiveSmallIntegerField(default=15, verbose_name='minimum size to open an extended course')),
                        ('exemptions', models.JSONField(blank=True, default=list, help_text='List of {"code", "name", "reduction_percent"}.', verbose_name='exemption categories')),
                        ('refund_basis', models.CharField(choices=[('sessions', 'Pro rata by sessions not attended'), ('months', 'Pro rata by whole months not attended')], default='sessions', max_length=16, verbose_name='refund basis')),
                        ('extended_refund', models.CharField(choices=[('pro_rata', 'Refunded pro rata like basic care'), ('force_majeure', 'Refunded only for force majeure'), ('none', 'Not refunded')], default='force_majeure', max_length=16, verbose_name='extended course refunds')),
                        ('basic_join_mid_semester', models.BooleanField(default=True, verbose_name='basic care may be joined mid-semester')),
                        ('extended_withdraw_mid_semester', models.BooleanField(default=False, verbose_name='extended courses may be left mid-semester')),
                        ('complaint_hotline', models.CharField(blank=True, max_length=40, verbose_name='complaint hotline')),
                        ('prohibitions', models.JSONField(blank=True, default=list, help_text='Schools confirm each of these before submitting a plan.', verbose_name='prohibitions (十严禁)')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='policies', to='aftercare.district')),
                        ('semester', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='policies', to='aftercare.semester')),
                    ],
                    options={
                        'verbose_name': 'district policy',
                        'verbose_name_plural': 'district policies',
                        'db_table': 'aftercare_districtpolicy',
                        'ordering': ['district_id', 'semester_id', '-version'],
                    },
                ),
                migrations.CreateModel(
                    name='PlanVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('number', models.PositiveIntegerField(default=1)),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted for review'), ('returned', 'Returned with comments'), ('approved', 'Approved'), ('published', 'Published'), ('superseded', 'Superseded')], default='draft', max_length=16, verbose_name='status')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('review_comment', models.TextField(blank=True, verbose_name='review comment')),
                        ('published_at', models.DateTimeField(blank=True, null=True)),
                        ('basic_fee_unit', models.CharField(choices=[('free', 'Free'), ('per_lesson', 'Per lesson (课时)'), ('per_hour', 'Per hour'), ('per_month', 'Per month'), ('per_semester', 'Per semester')], default='free', max_length=16, verbose_name='basic care fee')),
                        ('basic_fee_amount', models.DecimalField(decimal_places=2, default=0, max_digits=8, validators=[django.core.validators.MinValueValidator(0)], verbose_name='basic care fee amount (yuan)')),
                        ('lunch_care_offered', models.BooleanField(default=False, verbose_name='lunch care offered')),
                        ('lunch_start_time', models.TimeField(blank=True, null=True, verbose_name='lunch care from')),
                        ('lunch_end_time', models.TimeField(blank=True, null=True, verbose_name='lunch care until')),
                        ('fee_notice', models.TextField(blank=True, verbose_name='fee standard notice')),
                        ('hotline', models.CharField(blank=True, max_length=40, verbose_name='complaint hotline')),
                        ('safety_plan', models.TextField(blank=True, verbose_name='safety rules and emergency plan')),
                        ('leadership_group', models.TextField(blank=True, verbose_name='leadership group')),
                        ('prohibitions_confirmed', models.BooleanField(default=False, verbose_name="we confirm the district's prohibitions")),
                        ('max_courses_per_student', models.PositiveSmallIntegerField(default=2, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10)], verbose_name='extended courses per student at most')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.district')),
                        ('policy', models.ForeignKey(blank=True, help_text='The policy version the plan was submitted under.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plans.districtpolicy')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.school')),
                    ],
                    options={
                        'verbose_name': 'plan version',
                        'verbose_name_plural': 'plan versions',
                        'db_table': 'aftercare_planversion',
                        'ordering': ['plan_id', '-number'],
                    },
                ),
                migrations.CreateModel(
                    name='Course',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('lineage', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                        ('name', models.CharField(max_length=60, verbose_name='name')),
                        ('category', models.CharField(blank=True, max_length=30, verbose_name='category')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('teacher_name', models.CharField(blank=True, max_length=60, verbose_name='teacher')),
                        ('room', models.CharField(blank=True, max_length=40, verbose_name='room')),
                        ('grades', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(9)]), default=list, size=None, verbose_name='allowed grades')),
                        ('weekdays', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')]), default=list, size=None, verbose_name='weekdays')),
                        ('start_time', models.TimeField(verbose_name='start time')),
                        ('end_time', models.TimeField(verbose_name='end time')),
                        ('capacity', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='capacity')),
                        ('min_size', models.PositiveSmallIntegerField(default=15, verbose_name='minimum size to open')),
                        ('fee_per_lesson', models.DecimalField(decimal_places=2, default=0, max_digits=8, validators=[django.core.validators.MinValueValidator(0)], verbose_name='fee per lesson (yuan)')),
                        ('materials', models.CharField(blank=True, max_length=200, verbose_name='materials to bring')),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.district')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.school')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='courses', to='plans.planversion')),
                    ],
                    options={
                        'verbose_name': 'extended course',
                        'verbose_name_plural': 'extended courses',
                        'db_table': 'aftercare_course',
                        'ordering': ['version_id', 'name', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='PolicySeason',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=40, verbose_name='name')),
                        ('start_month', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='from month')),
                        ('start_day', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(31)], verbose_name='from day')),
                        ('end_month', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='to month')),
                        ('end_day', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(31)], verbose_name='to day')),
                        ('latest_end_time', models.TimeField(verbose_name='latest end time')),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.district')),
                        ('policy', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='seasons', to='plans.districtpolicy')),
                    ],
                    options={
                        'verbose_name': 'season',
                        'verbose_name_plural': 'seasons',
                        'db_table': 'aftercare_policyseason',
                        'ordering': ['start_month', 'start_day'],
                    },
                ),
                migrations.CreateModel(
                    name='RegistrationWindow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('basic', 'Basic care'), ('extended', 'Extended courses')], max_length=16, verbose_name='for')),
                        ('round', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(2)], verbose_name='round')),
                        ('mode', models.CharField(choices=[('fcfs', 'First come, first served (先报先得)'), ('lottery', 'Lottery after the window closes (摇号)')], default='fcfs', max_length=8, verbose_name='allocation')),
                        ('opens_at', models.DateTimeField(verbose_name='opens')),
                        ('closes_at', models.DateTimeField(verbose_name='closes')),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.district')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.school')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='windows', to='plans.planversion')),
                    ],
                    options={
                        'verbose_name': 'registration window',
                        'verbose_name_plural': 'registration windows',
                        'db_table': 'aftercare_registrationwindow',
                        'ordering': ['version_id', 'kind', 'round'],
                    },
                ),
                migrations.CreateModel(
                    name='SchoolPlan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.district')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='aftercare.school')),
                        ('semester', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='aftercare.semester')),
                    ],
                    options={
                        'verbose_name': 'school plan',
                        'verbose_name_plural': 'school plans',
                        'db_table': 'aftercare_schoolplan',
                        'ordering': ['school_id', '-semester__start_date'],
                    },
                ),
                migrations.AddField(
                    model_name='planversion',
                    name='plan',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='plans.schoolplan'),
                ),
                migrations.CreateModel(
                    name='ServicePeriod',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('grades', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(9)]), default=list, size=None, verbose_name='grades')),
                        ('weekdays', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')]), default=list, size=None, verbose_name='weekdays')),
                        ('start_time', models.TimeField(verbose_name='start time')),
                        ('end_time', models.TimeField(verbose_name='end time')),
                        ('valid_from', models.DateField(blank=True, null=True, verbose_name='seasonal variant from')),
                        ('valid_until', models.DateField(blank=True, null=True, verbose_name='seasonal variant until')),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.district')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='aftercare.school')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='periods', to='plans.planversion')),
                    ],
                    options={
                        'verbose_name': 'service period',
                        'verbose_name_plural': 'service periods',
                        'db_table': 'aftercare_serviceperiod',
                        'ordering': ['version_id', 'valid_from', 'start_time', 'id'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='districtpolicy',
                    constraint=models.UniqueConstraint(fields=('district', 'semester', 'version'), name='policy_version_unique'),
                ),
                migrations.AddConstraint(
                    model_name='districtpolicy',
                    constraint=models.CheckConstraint(condition=models.Q(('evening_study_allowed', False), ('evening_latest_end_time__isnull', False), _connector='OR'), name='policy_evening_end_when_allowed'),
                ),
                migrations.AddConstraint(
                    model_name='course',
                    constraint=models.CheckConstraint(condition=models.Q(('start_time__lt', models.F('end_time'))), name='course_times_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='course',
                    constraint=models.CheckConstraint(condition=models.Q(('capacity__gte', 1)), name='course_capacity_positive'),
                ),
                migrations.AddConstraint(
                    model_name='course',
                    constraint=models.CheckConstraint(condition=models.Q(('fee_per_lesson__gte', 0)), name='course_fee_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='registrationwindow',
                    constraint=models.UniqueConstraint(fields=('version', 'kind', 'round'), name='window_unique_per_round'),
                ),
                migrations.AddConstraint(
                    model_name='registrationwindow',
                    constraint=models.CheckConstraint(condition=models.Q(('opens_at__lt', models.F('closes_at'))), name='window_times_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='schoolplan',
                    constraint=models.UniqueConstraint(fields=('district', 'school', 'semester'), name='plan_per_school_semester'),
                ),
                migrations.AddConstraint(
                    model_name='planversion',
                    constraint=models.UniqueConstraint(fields=('district', 'plan', 'number'), name='plan_version_number_unique'),
                ),
                migrations.AddConstraint(
                    model_name='planversion',
                    constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['draft', 'submitted', 'returned', 'approved'])), fields=('plan',), name='plan_one_open_version'),
                ),
                migrations.AddConstraint(
                    model_name='planversion',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'published')), fields=('plan',), name='plan_one_published'),
                ),
                migrations.AddConstraint(
                    model_name='planversion',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('basic_fee_unit', 'free'), _negated=True), ('basic_fee_amount', 0), _connector='OR'), name='plan_free_means_zero'),
                ),
                migrations.AddConstraint(
                    model_name='planversion',
                    constraint=models.CheckConstraint(condition=models.Q(('lunch_care_offered', False), ('lunch_start_time__lt', models.F('lunch_end_time')), _connector='OR'), name='plan_lunch_times_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='serviceperiod',
                    constraint=models.CheckConstraint(condition=models.Q(('start_time__lt', models.F('end_time'))), name='period_times_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='serviceperiod',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('valid_from__isnull', True), ('valid_until__isnull', True)), ('valid_from__lte', models.F('valid_until')), _connector='OR'), name='period_dates_both_or_none'),
                ),
            ],
        ),
    ]

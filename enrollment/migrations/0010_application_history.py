"""Applications: append-only transition history, pending guardian bindings, the school's
verification of priority groups (issue 7).

* ``ApplicationTransition``: one row per step of an application; a trigger refuses UPDATE and
  DELETE (as for audit events, migration aftercare 0002). Existing applications get their
  history rebuilt from their columns here (``payload.backfilled``; where a column does not
  say exactly what happened — which class-review outcome came before an approval, when a
  withdrawal was declined — the closest reading is taken and ``payload.approximate`` is set).
* ``BindingRequest``: a guardian binding the roster could not confirm, waiting for the school.
* ``Application.priority_verified`` (+ by, at): only verified groups give priority.
* Lean indexes on applications and their history: the user columns and the district (first
  column of the composite indexes) lose their single-column indexes, so a status change
  rewrites 10 indexes instead of 19 (bulk approval changes thousands of rows at once).
"""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION enrollment_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'application history is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER enrollment_applicationtransition_append_only
    BEFORE UPDATE OR DELETE ON enrollment_applicationtransition
    FOR EACH ROW EXECUTE FUNCTION enrollment_history_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS enrollment_applicationtransition_append_only
    ON enrollment_applicationtransition;
DROP FUNCTION IF EXISTS enrollment_history_append_only();
"""

# The history of each existing application, read from its columns (as of this migration).
BACKFILL = """
WITH a AS (
    SELECT *,
           CASE WHEN rejection_reason <> '' OR status = 'rejected' THEN 'rejected'
                WHEN status = 'flagged' OR needs_accompaniment THEN 'flagged'
                ELSE 'class_approved' END AS review
      FROM enrollment_application
), steps (district_id, school_id, application_id, event, from_status, to_status, actor_id, at,
          reason, approximate) AS (
    SELECT district_id, school_id, id, 'submitted', '', 'applied', applied_by_id, applied_at,
           '', false FROM a
    UNION ALL
    SELECT district_id, school_id, id, review, 'applied', review, class_reviewed_by_id,
           class_reviewed_at, rejection_reason, status NOT IN ('class_approved', 'flagged',
           'rejected') FROM a WHERE class_reviewed_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'approved',
           CASE WHEN class_reviewed_at IS NULL THEN 'applied' ELSE review END, 'approved',
           approved_by_id, approved_at, '', false FROM a WHERE approved_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'listed', 'approved', 'approved', NULL, listed_at, '',
           false FROM a WHERE listed_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'agreement_signed', 'approved', 'approved', signed_by_id,
           signed_at, '', false FROM a WHERE signed_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'insurance_confirmed', 'approved', 'approved',
           insurance_confirmed_by_id, insurance_confirmed_at, '', false
      FROM a WHERE insurance_confirmed_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'activated', 'approved', 'approved', NULL,
           GREATEST(signed_at, insurance_confirmed_at), '', false
      FROM a WHERE signed_at IS NOT NULL AND insurance_confirmed_at IS NOT NULL
       AND approved_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'withdrawal_requested', 'approved',
           'withdrawal_requested', withdrawal_requested_by_id, withdrawal_requested_at,
           withdrawal_reason, false FROM a WHERE withdrawal_requested_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'withdrawal_declined', 'withdrawal_requested',
           'approved', NULL, updated_at, withdrawal_decision_note, true
      FROM a WHERE status = 'approved' AND withdrawal_requested_at IS NOT NULL
       AND withdrawal_decision_note <> ''
    UNION ALL
    SELECT district_id, school_id, id, 'withdrawn', 'withdrawal_requested', 'withdrawn',
           withdrawal_approved_by_id, withdrawn_at, '', false
      FROM a WHERE withdrawn_at IS NOT NULL
)
INSERT INTO enrollment_applicationtransition
    (district_id, school_id, application_id, event, from_status, to_status, actor_id, at,
     reason, payload)
SELECT district_id, school_id, application_id, event, from_status, to_status, actor_id, at,
       reason,
       CASE WHEN approximate THEN '{"backfilled": true, "approximate": true}'::jsonb
            ELSE '{"backfilled": true}'::jsonb END
  FROM steps
 ORDER BY application_id, at;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0009_registration_holes"),
        ("aftercare", "0008_plans_move_to_their_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ApplicationTransition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "event",
                    models.CharField(
                        choices=[
                            ("submitted", "Applied"),
                            ("class_approved", "Approved by the class teacher"),
                            ("flagged", "Flagged by the class teacher"),
                            ("rejected", "Rejected"),
                            ("approved", "Approved by the school"),
                            ("listed", "On the public list"),
                            ("agreement_signed", "Service agreement signed"),
                            ("insurance_confirmed", "Accident insurance confirmed"),
                            ("activated", "Enrolled: may attend"),
                            ("withdrawal_requested", "Withdrawal requested"),
                            ("withdrawal_declined", "Withdrawal declined"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        max_length=24,
                        verbose_name="step",
                    ),
                ),
                (
                    "from_status",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("applied", "Applied"),
                            ("class_approved", "Reviewed by the class teacher"),
                            ("flagged", "Flagged by the class teacher"),
                            ("rejected", "Rejected"),
                            ("approved", "Approved by the school"),
                            ("withdrawal_requested", "Withdrawal requested"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        db_default="",
                        max_length=24,
                    ),
                ),
                (
                    "to_status",
                    models.CharField(
                        choices=[
                            ("applied", "Applied"),
                            ("class_approved", "Reviewed by the class teacher"),
                            ("flagged", "Flagged by the class teacher"),
                            ("rejected", "Rejected"),
                            ("approved", "Approved by the school"),
                            ("withdrawal_requested", "Withdrawal requested"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        max_length=24,
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "reason",
                    models.CharField(
                        blank=True, db_default="", max_length=200, verbose_name="reason"
                    ),
                ),
                ("payload", models.JSONField(blank=True, db_default={}, default=dict)),
                (
                    "actor",
                    models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "application",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transitions",
                        to="enrollment.application",
                    ),
                ),
                (
                    "district",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="aftercare.district",
                    ),
                ),
                (
                    "school",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="aftercare.school",
                    ),
                ),
            ],
            options={
                "verbose_name": "application step",
                "verbose_name_plural": "application history",
                "ordering": ["application_id", "at", "id"],
                "indexes": [
                    models.Index(fields=["application", "at", "id"], name="transition_timeline"),
                    models.Index(
                        fields=["district", "school", "event", "at"], name="transition_by_event"
                    ),
                ],
            },
        ),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.CreateModel(
            name="BindingRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "relation",
                    models.CharField(
                        choices=[
                            ("father", "Father"),
                            ("mother", "Mother"),
                            ("grandparent", "Grandparent"),
                            ("other", "Other guardian"),
                        ],
                        max_length=16,
                        verbose_name="relation",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for the school"),
                            ("approved", "Confirmed by the school"),
                            ("refused", "Refused by the school"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("reason", models.CharField(blank=True, max_length=200, verbose_name="reason")),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "district",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="aftercare.district",
                    ),
                ),
                (
                    "school",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="aftercare.school",
                    ),
                ),
                (
                    "student",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="binding_requests",
                        to="enrollment.student",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="binding_requests",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "binding request",
                "verbose_name_plural": "binding requests",
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "pending")),
                        fields=["district", "school", "created_at"],
                        name="pending_bindings",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "pending")),
                        fields=("district", "student", "user"),
                        name="one_pending_binding_per_user_and_student",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("status", "pending"), ("decided_at__isnull", False), _connector="OR"
                        ),
                        name="binding_decided_has_time",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "refused"), _negated=True),
                            models.Q(("reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="binding_refused_has_reason",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="application",
            name="priority_verified",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[
                        ("disabled", "Child with a disability"),
                        ("left_behind", "Left-behind child"),
                        ("migrant", "Child of migrant workers"),
                        ("single_parent", "Single-parent family"),
                        ("hardship", "Family in hardship"),
                    ],
                    max_length=16,
                ),
                blank=True,
                default=list,
                size=None,
                verbose_name="priority groups verified by the school",
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="priority_verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="application",
            name="priority_verified_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("priority_verified__contained_by", models.F("priority_groups"))
                ),
                name="application_verified_groups_declared",
            ),
        ),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("priority_verified_at__isnull", True),
                    ("priority_verified_by__isnull", False),
                    _connector="OR",
                ),
                name="application_verification_names_staff",
            ),
        ),
        # Lean indexes on applications: bulk approval rewrites thousands of rows at once.
        migrations.AlterField(
            model_name="application",
            name="applied_by",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="class_reviewed_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="insurance_confirmed_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="signed_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="withdrawal_approved_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="withdrawal_requested_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="district",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="aftercare.district",
            ),
        ),
    ]

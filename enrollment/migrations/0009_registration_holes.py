"""Course registration: lottery seed commitment, cancelled courses, cache version (issue 7).

* ``LotteryCommitment``: the server's seed for each lottery course and its SHA-256, created at
  publication; courses of plans already published get theirs here (unless already drawn).
* Draws publish tokens with tiers and masked names with results apart: existing draws are
  rewritten (names move to ``results``, sorted by name, without token, tier or rank).
* ``CourseCapacity.version``: the cross-process cache key of the rush path.
* ``CourseRegistration.lottery_tier``: the family's own tier, never published by name.
* The claim function refuses a cancelled course, and an entry into a lottery already drawn,
  in the same single statement; before it, it takes the plan's registration gate in shared
  mode (see ``enrollment.services.registration``).
"""

import hashlib
import secrets

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

OLD_SIGNATURE = """
    bigint, bigint, bigint, bigint, bigint, text[], integer, boolean, uuid, integer, bigint,
    text, timestamptz, text, text, text, inet"""

CLAIM_FUNCTION = r"""
DROP FUNCTION IF EXISTS enrollment_claim_seat(%(old)s);
CREATE OR REPLACE FUNCTION enrollment_claim_seat(
    p_student bigint, p_semester bigint, p_district bigint, p_school bigint, p_course bigint,
    p_plan bigint, p_live_apps text[], p_limit integer, p_claim boolean, p_uuid uuid,
    p_round integer, p_actor bigint, p_actor_repr text, p_now timestamptz, p_channel text,
    p_object_repr text, p_course_name text, p_ip inet
) RETURNS TABLE (reg_id bigint, reg_status text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
    -- The plan's registration gate, in shared mode: claims never wait for one another here;
    -- closing round one, a lottery draw and publishing an amendment hold it exclusively.
    PERFORM pg_advisory_xact_lock_shared(7301, (p_plan %% 2147483647)::integer);
    -- A new statement, so a new snapshot: a cancellation committed while we waited is seen.
    RETURN QUERY
    WITH open_course AS (
        SELECT 1 FROM enrollment_coursecapacity cc
         WHERE cc.course_id = p_course AND cc.status <> 'cancelled'
           AND (p_claim OR NOT EXISTS (SELECT 1 FROM enrollment_lotterydraw d
                                        WHERE d.course_id = p_course))
    ), quota AS (
        UPDATE enrollment_application
           SET courses_taken = courses_taken + 1
         WHERE student_id = p_student AND semester_id = p_semester AND district_id = p_district
           AND status = ANY(p_live_apps) AND courses_taken < p_limit
           AND EXISTS (SELECT 1 FROM aftercare_course c
                         JOIN aftercare_planversion v ON v.id = c.version_id
                        WHERE c.id = p_course AND v.status = 'published')
           AND EXISTS (SELECT 1 FROM open_course)
        RETURNING id
    ), seat AS (
        UPDATE enrollment_coursecapacity
           SET taken = taken + 1
         WHERE course_id = p_course AND taken < capacity AND status = 'open'
           AND p_claim AND EXISTS (SELECT 1 FROM quota)
        RETURNING course_id
    ), reg AS (
        INSERT INTO enrollment_courseregistration
            (public_id, district_id, school_id, course_id, student_id, application_id, status,
             round, created_by_id, created_at, channel)
        SELECT p_uuid, p_district, p_school, p_course, p_student, quota.id,
               CASE WHEN NOT p_claim THEN 'entered'
                    WHEN EXISTS (SELECT 1 FROM seat) THEN 'confirmed'
                    ELSE 'waitlisted' END,
               p_round, p_actor, p_now, p_channel
          FROM quota
        RETURNING id, status
    ), audit AS (
        INSERT INTO aftercare_auditevent
            (district_id, school_id, actor_id, actor_repr, action, object_type, object_id,
             object_repr, payload, ip_address, created_at)
        SELECT p_district, p_school, p_actor, p_actor_repr, 'course.registered',
               'enrollment.courseregistration', p_uuid::text, p_object_repr,
               jsonb_build_object('course', p_course_name, 'status', reg.status,
                                  'round', p_round, 'channel', p_channel),
               p_ip, p_now
          FROM reg
    )
    SELECT reg.id, reg.status::text FROM reg;
END;
$fn$;
""" % {"old": OLD_SIGNATURE}

PREVIOUS_FUNCTION = r"""
DROP FUNCTION IF EXISTS enrollment_claim_seat(
    bigint, bigint, bigint, bigint, bigint, bigint, text[], integer, boolean, uuid, integer,
    bigint, text, timestamptz, text, text, text, inet);
CREATE OR REPLACE FUNCTION enrollment_claim_seat(
    p_student bigint, p_semester bigint, p_district bigint, p_school bigint, p_course bigint,
    p_live_apps text[], p_limit integer, p_claim boolean, p_uuid uuid, p_round integer,
    p_actor bigint, p_actor_repr text, p_now timestamptz, p_channel text,
    p_object_repr text, p_course_name text, p_ip inet
) RETURNS TABLE (reg_id bigint, reg_status text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH quota AS (
        UPDATE enrollment_application
           SET courses_taken = courses_taken + 1
         WHERE student_id = p_student AND semester_id = p_semester AND district_id = p_district
           AND status = ANY(p_live_apps) AND courses_taken < p_limit
           AND EXISTS (SELECT 1 FROM aftercare_course c
                         JOIN aftercare_planversion v ON v.id = c.version_id
                        WHERE c.id = p_course AND v.status = 'published')
        RETURNING id
    ), seat AS (
        UPDATE enrollment_coursecapacity
           SET taken = taken + 1
         WHERE course_id = p_course AND taken < capacity AND status = 'open'
           AND p_claim AND EXISTS (SELECT 1 FROM quota)
        RETURNING course_id
    ), reg AS (
        INSERT INTO enrollment_courseregistration
            (public_id, district_id, school_id, course_id, student_id, application_id, status,
             round, created_by_id, created_at, channel)
        SELECT p_uuid, p_district, p_school, p_course, p_student, quota.id,
               CASE WHEN NOT p_claim THEN 'entered'
                    WHEN EXISTS (SELECT 1 FROM seat) THEN 'confirmed'
                    ELSE 'waitlisted' END,
               p_round, p_actor, p_now, p_channel
          FROM quota
        RETURNING id, status
    ), audit AS (
        INSERT INTO aftercare_auditevent
            (district_id, school_id, actor_id, actor_repr, action, object_type, object_id,
             object_repr, payload, ip_address, created_at)
        SELECT p_district, p_school, p_actor, p_actor_repr, 'course.registered',
               'enrollment.courseregistration', p_uuid::text, p_object_repr,
               jsonb_build_object('course', p_course_name, 'status', reg.status,
                                  'round', p_round, 'channel', p_channel),
               p_ip, p_now
          FROM reg
    )
    SELECT reg.id, reg.status::text FROM reg;
END;
$fn$;
"""


def commit_seeds(apps, schema_editor):
    """A commitment for every lottery course of a published version not drawn yet."""
    Course = apps.get_model("plans", "Course")
    Commitment = apps.get_model("enrollment", "LotteryCommitment")
    courses = Course.objects.filter(
        version__status="published",
        version__windows__kind="extended",
        version__windows__mode="lottery",
        draw__isnull=True,
    ).distinct()
    rows = []
    for course in courses:
        seed = secrets.token_hex(32)
        rows.append(
            Commitment(
                course_id=course.pk,
                district_id=course.district_id,
                school_id=course.school_id,
                seed=seed,
                commitment=hashlib.sha256(seed.encode()).hexdigest(),
            )
        )
    Commitment.objects.bulk_create(rows, ignore_conflicts=True)


def split_published_draws(apps, schema_editor):
    """Names leave the ranked entries: ``results`` holds masked names and results only."""
    Draw = apps.get_model("enrollment", "LotteryDraw")
    Registration = apps.get_model("enrollment", "CourseRegistration")
    for draw in Draw.objects.all():
        entries = list(draw.entries or [])
        draw.results = sorted(
            ({"name": e.get("name", ""), "result": e.get("result", "")} for e in entries),
            key=lambda r: (r["name"], r["result"]),
        )
        draw.entries = [
            {"rank": e["rank"], "token": e["token"], "tier": e["tier"], "result": e["result"]}
            for e in entries
        ]
        draw.save(update_fields=["entries", "results"])
        for e in entries:
            Registration.objects.filter(public_id=e["token"]).update(lottery_tier=e["tier"])


def _mask(name: str) -> str:
    """``enrollment.lottery.mask_name`` as of this migration."""
    if len(name) <= 1:
        return name
    return name[0] + "*" * max(1, len(name) - 2) + (name[-1] if len(name) > 2 else "")


def join_published_draws(apps, schema_editor):
    Draw = apps.get_model("enrollment", "LotteryDraw")
    Registration = apps.get_model("enrollment", "CourseRegistration")
    for draw in Draw.objects.all():
        names = {
            str(r.public_id): r.student.name
            for r in Registration.objects.filter(course_id=draw.course_id).select_related("student")
        }
        draw.entries = [{**e, "name": _mask(names.get(e["token"], ""))} for e in draw.entries]
        draw.save(update_fields=["entries"])


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0008_plans_move_to_their_app"),
        ("aftercare", "0008_plans_move_to_their_app"),
        ("plans", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="LotteryCommitment",
            fields=[
                (
                    "course",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="lottery_commitment",
                        serialize=False,
                        to="plans.course",
                    ),
                ),
                ("seed", models.CharField(max_length=64)),
                (
                    "commitment",
                    models.CharField(help_text="SHA-256 of the seed (hex).", max_length=64),
                ),
                ("committed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("revealed_at", models.DateTimeField(blank=True, null=True)),
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
            ],
            options={
                "verbose_name": "lottery commitment",
                "verbose_name_plural": "lottery commitments",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("commitment__regex", "^[0-9a-f]{64}$")),
                        name="commitment_is_sha256_hex",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="coursecapacity",
            name="version",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="courseregistration",
            name="lottery_tier",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="lotterydraw",
            name="commitment",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="lotterydraw",
            name="committed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="lotterydraw",
            name="results",
            field=models.JSONField(
                default=list, help_text="Masked names with their result, sorted by name."
            ),
        ),
        migrations.AlterField(
            model_name="lotterydraw",
            name="entries",
            field=models.JSONField(help_text="The tokens in draw order with tier and result."),
        ),
        migrations.RunPython(commit_seeds, migrations.RunPython.noop),
        migrations.RunPython(split_published_draws, join_published_draws),
        migrations.RunSQL(CLAIM_FUNCTION, PREVIOUS_FUNCTION),
    ]

"""Applications and their review through the services: the whole journey, the registration
window, class review, bulk approval in priority order, the public list, the agreement and
insurance, withdrawal releasing course seats, audit events and inbox messages, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent, Notification, SchoolClass
from enrollment.models import (
    Application,
    ApplicationStatus,
    CourseCapacity,
    CourseRegistration,
    PriorityGroup,
    SeatStatus,
    ServiceAgreement,
)
from enrollment.selectors.applications import public_participants
from enrollment.services import applications as services
from plans.models import WindowKind
from tests.enrollment.test_applications_fixtures import build_apps, make_plan, statuses
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def apps(world):
    return build_apps(world)


S = ApplicationStatus


def actions(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(obj.public_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


def inbox(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True)
    )


# --------------------------------------------------------------------------- the journey


def test_the_whole_journey_from_application_to_active_child(apps):
    parent, teacher = apps.user("parent_a1"), apps.user("teacher_a1")
    principal, student = apps.user("principal_a1"), apps.student("a1")

    app = services.apply_for_service(
        actor=parent,
        student=student,
        basic_care=True,
        priority_groups=[PriorityGroup.HARDSHIP],
        note="孩子对花生过敏",
        client_ip="10.1.2.3",
        user_agent="Mozilla/5.0 (iPhone)",
    )
    assert (app.status, app.plan, app.semester) == (
        S.APPLIED,
        apps.plans["a1"],
        apps.semesters["a"],
    )
    assert (app.applied_by, app.channel, app.client_ip, app.user_agent) == (
        parent,
        "web",
        "10.1.2.3",
        "Mozilla/5.0 (iPhone)",
    )
    assert app.priority_groups == ["hardship"] and app.parent_note == "孩子对花生过敏"
    assert not app.is_active

    services.review_application(actor=teacher, application=app, decision="approve")
    result = services.approve_applications(actor=principal, plan=app.plan)
    assert [a.pk for a in result.approved] == [app.pk] and result.remaining == 0
    assert services.publish_participant_list(actor=principal, plan=app.plan) == 1
    agreement = apps.agreement()
    services.sign_agreement(actor=parent, application=app, version=agreement.version)
    app.refresh_from_db()
    assert app.status == S.APPROVED and app.signed_at and not app.is_active
    services.confirm_insurance(actor=parent, application=app, policy_number="PICC-2026-001")

    app.refresh_from_db()
    assert app.is_active
    assert (app.agreement, app.signed_by, app.insurance_confirmed_by) == (agreement, parent, parent)
    assert (app.approval_rank, app.approved_by, app.class_reviewed_by) == (1, principal, teacher)
    assert app.listed_at is not None and app.insurance_note == "PICC-2026-001"
    assert actions(app) == [
        "application.submitted",
        "application.class_approved",
        "application.approved",
        "agreement.signed",
        "application.insurance_confirmed",
    ]
    assert AuditEvent.objects.filter(action="application.list_published").count() == 1
    assert AuditEvent.objects.get(action="application.submitted").ip_address == "10.1.2.3"
    titles = inbox(parent)
    assert len(titles) == 7  # applied, class review, approved, listed, agreement, signed, insured
    assert titles[0] == f"{student.name}的课后服务申请已提交"
    assert all(n.url for n in Notification.objects.filter(recipient=parent))
    # The teacher heard of the class's first application and of the school's approval; the
    # principal of nothing routine.
    assert inbox(teacher) == [
        f"{student.school_class.name}已开始收到课后服务申请",
        f"{student.school_class.name}：学校已核准 1 份申请",
    ]
    assert Notification.objects.filter(recipient=principal).count() == 0


def test_only_the_first_application_of_a_class_notifies_the_homeroom_teacher(apps):
    teacher = apps.user("teacher_a1")
    apps.apply()
    apps.apply(student=apps.child())
    other_class = apps.child(grade=5)
    apps.apply(student=other_class)  # that class has no homeroom teacher: nobody to tell
    note = Notification.objects.get(recipient=teacher)
    assert note.url == "/teacher/applications/"
    services.approve_applications(actor=apps.user("principal_a1"), plan=apps.plans["a1"])
    approved = Notification.objects.filter(recipient=teacher).latest("id")
    assert approved.title.endswith("学校已核准 2 份申请")  # one message for the class
    assert other_class.name not in approved.body and apps.student("a1").name in approved.body


# --------------------------------------------------------------------------- the window


def test_applying_is_open_exactly_inside_the_basic_care_window(apps):
    window = apps.windows["a1"]
    student = apps.student("a1")
    second = timedelta(seconds=1)
    for at in (window.opens_at - second, window.closes_at):
        with pytest.raises(Conflict) as err:
            apps.apply(now=at)
        assert err.value.code == "window_closed"
    local = timezone.localtime(window.opens_at)
    assert f"{local:%Y-%m-%d %H:%M}" in str(err.value.message)
    assert not Application.objects.filter(student=student).exists()
    assert apps.apply(now=window.opens_at).status == S.APPLIED
    assert apps.apply(student=apps.child(), now=window.closes_at - second).status == S.APPLIED


def test_mid_semester_joining_allows_applying_outside_the_window_until_the_semester_ends(world):
    apps = build_apps(world, mid_semester=True)
    semester = apps.semesters["a"]
    later = apps.windows["a1"].closes_at + timedelta(days=10)
    assert apps.apply(now=later).status == S.APPLIED
    after_end = timezone.make_aware(
        timezone.datetime.combine(
            semester.end_date + timedelta(days=1), timezone.datetime.min.time()
        )
    )
    with pytest.raises(Conflict) as err:
        apps.apply(student=apps.child(), now=after_end)
    assert err.value.code == "window_closed"
    assert semester.name in str(err.value.message)


def test_a_school_without_a_published_plan_takes_no_applications(apps):
    with pytest.raises(Conflict) as err:
        services.apply_for_service(
            actor=apps.user("parent_a2"), student=apps.student("a2"), basic_care=True
        )
    assert err.value.code == "no_plan"
    assert not Application.objects.exists()


def test_without_a_basic_window_only_extended_course_applications_open(apps, world):
    """School a2 set no basic-care window (the district does not allow joining
    mid-semester), only an extended-course window that is open now."""
    make_plan(
        world,
        "a2",
        apps.semesters["a"],
        windows=[
            (WindowKind.EXTENDED, apps.now - timedelta(hours=1), apps.now + timedelta(hours=1))
        ],
    )
    parent, student = apps.user("parent_a2"), apps.student("a2")
    with pytest.raises(Conflict) as err:
        services.apply_for_service(actor=parent, student=student, basic_care=True)
    assert err.value.code == "window_closed"
    assert str(err.value.message) == "学校尚未开放课后服务报名。"
    app = services.apply_for_service(actor=parent, student=student, basic_care=False)
    assert (app.status, app.basic_care) == (S.APPLIED, False)


def test_applying_twice_is_a_clear_refusal_and_keeps_one_application(apps):
    first = apps.apply()
    with pytest.raises(Conflict) as err:
        apps.apply(basic_care=False)
    assert err.value.code == "already_applied"
    assert "已有本学期的申请" in str(err.value.message)
    assert list(Application.objects.filter(student=apps.student("a1"))) == [first]


def test_only_a_guardian_may_apply_and_bad_input_writes_nothing(apps):
    student = apps.student("a1")
    for key in ("teacher_a1", "principal_a1", "parent_a2"):
        with pytest.raises(NotAllowed):
            services.apply_for_service(actor=apps.user(key), student=student, basic_care=True)
    with pytest.raises(InvalidInput) as err:
        apps.apply(priority_groups=["vip"])
    assert list(err.value.fields) == ["priority_groups"]
    with pytest.raises(InvalidInput) as err:
        apps.apply(note="很" * 201)
    assert list(err.value.fields) == ["parent_note"]
    student.is_active = False
    student.save()
    with pytest.raises(InvalidInput):
        apps.apply()
    assert not Application.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="application.").exists()
    assert not Notification.objects.exists()


def test_the_parent_may_change_basic_care_only_while_the_application_waits(apps):
    parent = apps.user("parent_a1")
    app = apps.apply(basic_care=True)
    services.change_application(actor=parent, application=app, basic_care=False)
    app.refresh_from_db()
    assert app.basic_care is False
    event = AuditEvent.objects.get(action="application.changed")
    assert event.payload == {"basic_care": [True, False]}
    with pytest.raises(NotAllowed):
        services.change_application(actor=apps.user("teacher_a1"), application=app, basic_care=True)
    services.review_application(actor=apps.user("teacher_a1"), application=app, decision="approve")
    with pytest.raises(Conflict) as err:
        services.change_application(actor=parent, application=app, basic_care=True)
    assert err.value.code == "not_changeable"
    app.refresh_from_db()
    assert app.basic_care is False


# --------------------------------------------------------------------------- class review


def test_class_review_decisions_and_their_requirements(apps):
    teacher = apps.user("teacher_a1")
    a, b, c = apps.apply(), apps.apply(student=apps.child()), apps.apply(student=apps.child())
    with pytest.raises(InvalidInput) as err:
        services.review_application(actor=teacher, application=a, decision="reject", note="  ")
    assert list(err.value.fields) == ["note"]
    with pytest.raises(InvalidInput):
        services.review_application(actor=teacher, application=b, decision="flag")
    with pytest.raises(InvalidInput):
        services.review_application(actor=teacher, application=b, decision="maybe")
    assert statuses(a, b) == [S.APPLIED, S.APPLIED]
    assert not AuditEvent.objects.filter(action__in=["application.rejected"]).exists()

    services.review_application(
        actor=teacher, application=a, decision="reject", note="不在本校就读"
    )
    services.review_application(
        actor=teacher, application=b, decision="flag", needs_accompaniment=True
    )
    services.review_application(actor=teacher, application=c, decision="approve", note="好")
    assert statuses(a, b, c) == [S.REJECTED, S.FLAGGED, S.CLASS_APPROVED]
    assert (a.rejection_reason, a.needs_accompaniment) == ("不在本校就读", False)
    assert (b.needs_accompaniment, b.class_reviewed_by) == (True, teacher)
    # A flag tells the school's managers; the parent hears of every decision.
    principal = apps.user("principal_a1")
    assert len(inbox(principal)) == 1 and "已标注" in inbox(principal)[0]
    assert Notification.objects.filter(recipient=apps.user("admin_a1")).count() == 1
    assert inbox(apps.user("parent_a1"))[-1] == f"{c.student.name}：班主任已审核通过"
    # The teacher may revise until the school decides.
    services.review_application(actor=teacher, application=a, decision="approve")
    assert statuses(a) == [S.CLASS_APPROVED] and a.rejection_reason == ""


def test_only_the_class_teacher_or_the_school_may_review(apps):
    app = apps.apply()
    other_teacher = member(UserFactory(), "homeroom_teacher", school=apps.world.schools["a1"])
    SchoolClass.objects.create(
        district=apps.world.a,
        school=apps.world.schools["a1"],
        grade=6,
        number=9,
        homeroom_teacher=other_teacher,
    )
    for key in ("care_a1", "parent_a1", "official_a"):
        with pytest.raises(NotAllowed):
            services.review_application(actor=apps.user(key), application=app, decision="approve")
    with pytest.raises(NotAllowed):
        services.review_application(actor=other_teacher, application=app, decision="approve")
    services.review_application(
        actor=apps.user("admin_a1"), application=app, decision="flag", note="请核实"
    )
    assert statuses(app) == [S.FLAGGED]
    apps.approve(app)
    with pytest.raises(Conflict) as err:
        services.review_application(
            actor=apps.user("teacher_a1"), application=app, decision="reject", note="x"
        )
    assert err.value.code == "already_decided"


# --------------------------------------------------------------------------- school approval


def _batch(apps):
    """Six applications in school a1, applied in this order (minutes apart)."""
    t0 = apps.windows["a1"].opens_at + timedelta(minutes=1)
    spec = [
        ("grade5-none", 5, []),
        ("grade3-hardship", 3, [PriorityGroup.HARDSHIP]),
        ("grade1-none", 1, []),
        ("grade6-disabled", 6, [PriorityGroup.DISABLED, PriorityGroup.HARDSHIP]),
        ("grade2-migrant", 2, [PriorityGroup.MIGRANT]),
        ("grade1-none-later", 1, []),
    ]
    out = {}
    for i, (label, grade, groups) in enumerate(spec):
        student = apps.child(grade=grade)
        out[label] = apps.apply(
            student=student, priority_groups=groups, now=t0 + timedelta(minutes=i)
        )
        if groups:  # the school has checked the certificates
            services.verify_priority_groups(
                actor=apps.user("admin_a1"), application=out[label], groups=groups
            )
    return out


def test_bulk_approval_takes_priority_groups_then_lower_grades_then_first_come(apps):
    batch = _batch(apps)
    principal = apps.user("principal_a1")
    first = services.approve_applications(actor=principal, plan=apps.plans["a1"], limit=3)
    assert [a.pk for a in first.approved] == [
        batch["grade6-disabled"].pk,
        batch["grade2-migrant"].pk,
        batch["grade3-hardship"].pk,
    ]
    assert first.remaining == 3
    rest = services.approve_applications(
        actor=principal, plan=apps.plans["a1"], expected_last_rank=3
    )
    assert [a.pk for a in rest.approved] == [
        batch["grade1-none"].pk,
        batch["grade1-none-later"].pk,
        batch["grade5-none"].pk,
    ]
    ranks = dict(Application.objects.values_list("pk", "approval_rank"))
    assert [ranks[a.pk] for a in (*first.approved, *rest.approved)] == [1, 2, 3, 4, 5, 6]
    assert AuditEvent.objects.filter(action="application.approved").count() == 6


def test_a_priority_group_only_declared_gives_no_priority(apps):
    """Before: whatever a parent ticked put the child first. Now only what the school has
    verified counts; the declaration stays visible to the school."""
    principal = apps.user("principal_a1")
    plain = apps.apply(student=apps.child(grade=1))
    declared = apps.apply(student=apps.child(grade=5), priority_groups=[PriorityGroup.HARDSHIP])
    first = services.approve_applications(actor=principal, plan=apps.plans["a1"], limit=1)
    assert [a.pk for a in first.approved] == [plain.pk]
    services.verify_priority_groups(
        actor=principal, application=declared, groups=[PriorityGroup.HARDSHIP]
    )
    event = AuditEvent.objects.get(action="application.priority_verified")
    assert event.payload == {"from": [], "to": ["hardship"], "declared": ["hardship"]}
    assert Application.objects.get(pk=declared.pk).priority_verified_by == principal
    with pytest.raises(InvalidInput) as err:
        services.verify_priority_groups(
            actor=principal, application=declared, groups=[PriorityGroup.DISABLED]
        )
    assert list(err.value.fields) == ["groups"]
    with pytest.raises(NotAllowed):
        services.verify_priority_groups(
            actor=apps.user("teacher_a1"), application=declared, groups=[]
        )


def test_flagged_and_rejected_are_approved_only_when_selected(apps):
    teacher, principal = apps.user("teacher_a1"), apps.user("principal_a1")
    flagged, rejected, plain = (
        apps.apply(),
        apps.apply(student=apps.child()),
        apps.apply(student=apps.child()),
    )
    services.review_application(actor=teacher, application=flagged, decision="flag", note="陪同")
    services.review_application(actor=teacher, application=rejected, decision="reject", note="x")
    result = services.approve_applications(actor=principal, plan=apps.plans["a1"])
    assert [a.pk for a in result.approved] == [plain.pk]
    assert statuses(flagged, rejected) == [S.FLAGGED, S.REJECTED]
    chosen = services.approve_applications(
        actor=principal, plan=apps.plans["a1"], selected=[flagged, plain]
    )
    assert [a.pk for a in chosen.approved] == [flagged.pk] and chosen.skipped == 1
    assert statuses(flagged, rejected, plain) == [S.APPROVED, S.REJECTED, S.APPROVED]
    assert flagged.approval_rank == 2


def test_a_stale_batch_is_refused_and_only_managers_approve(apps):
    apps.apply()
    plan = apps.plans["a1"]
    for key in ("teacher_a1", "official_a", "principal_a2", "parent_a1"):
        with pytest.raises(NotAllowed):
            services.approve_applications(actor=apps.user(key), plan=plan)
    with pytest.raises(InvalidInput) as err:
        services.approve_applications(actor=apps.user("admin_a1"), plan=plan, limit=0)
    assert list(err.value.fields) == ["limit"]
    services.approve_applications(actor=apps.user("admin_a1"), plan=plan, expected_last_rank=0)
    apps.apply(student=apps.child())
    with pytest.raises(Conflict) as err:  # the same click again: it saw rank 0
        services.approve_applications(actor=apps.user("admin_a1"), plan=plan, expected_last_rank=0)
    assert err.value.code == "stale"
    assert Application.objects.filter(status=S.APPROVED).count() == 1


# --------------------------------------------------------------------------- public list


def test_the_public_list_shows_listed_participants_by_class_with_masked_names(apps):
    principal = apps.user("principal_a1")
    zhang = apps.child(name="张小明")
    ouyang = apps.child(grade=1, name="欧阳娜娜")
    waiting = apps.child(name="李四")
    for student in (zhang, ouyang):
        apps.approve(apps.apply(student=student))
    apps.apply(student=waiting)
    with pytest.raises(NotAllowed):
        services.publish_participant_list(actor=apps.user("teacher_a1"), plan=apps.plans["a1"])
    assert public_participants(apps.plans["a1"]) == []
    assert services.publish_participant_list(actor=principal, plan=apps.plans["a1"]) == 2
    assert services.publish_participant_list(actor=principal, plan=apps.plans["a1"]) == 0
    listed = public_participants(apps.plans["a1"])
    assert [(c.name, c.names) for c in listed] == [
        (str(ouyang.school_class.name), ["欧**娜"]),
        (str(zhang.school_class.name), ["张*明"]),
    ]
    # A child who has left drops off the list.
    zhang_app = Application.objects.get(student=zhang)
    services.request_withdrawal(
        actor=apps.user("parent_a1"),
        application=zhang_app,
        reason="搬家",
        last_day=timezone.localdate(),
    )
    assert len(public_participants(apps.plans["a1"])) == 2  # still attending until approved
    services.approve_withdrawal(actor=principal, application=zhang_app)
    assert [c.names for c in public_participants(apps.plans["a1"])] == [["欧**娜"]]


def test_publishing_needs_an_approved_application(apps):
    apps.apply()
    with pytest.raises(Conflict) as err:
        services.publish_participant_list(actor=apps.user("principal_a1"), plan=apps.plans["a1"])
    assert err.value.code == "nothing_to_list"


# --------------------------------------------------------------------------- agreement


def test_agreement_and_insurance_gate_the_active_state(apps):
    parent = apps.user("parent_a1")
    app = apps.apply()
    with pytest.raises(Conflict) as err:
        services.sign_agreement(actor=parent, application=app)
    assert err.value.code == "not_approved"
    with pytest.raises(Conflict):
        services.confirm_insurance(actor=parent, application=app)
    apps.approve(app)
    with pytest.raises(Conflict) as err:
        services.sign_agreement(actor=parent, application=app)
    assert err.value.code == "no_agreement"
    services.confirm_insurance(actor=parent, application=app)
    app.refresh_from_db()
    assert app.insurance_confirmed_at and not app.is_active  # insured, not signed

    v1 = apps.agreement(body="第一版")
    v2 = apps.agreement(body="第二版")
    assert (v1.version, v2.version) == (1, 2)
    with pytest.raises(Conflict) as err:
        services.sign_agreement(actor=parent, application=app, version=1)
    assert err.value.code == "agreement_changed"
    with pytest.raises(NotAllowed):
        services.sign_agreement(actor=apps.user("principal_a1"), application=app)
    services.sign_agreement(actor=parent, application=app, version=2)
    app.refresh_from_db()
    assert app.agreement == v2 and app.is_active
    with pytest.raises(Conflict) as err:
        services.sign_agreement(actor=parent, application=app)
    assert err.value.code == "already_signed"

    # A newer version leaves the signature of v2 valid; new signatures use the newest.
    v3 = apps.agreement(body="第三版")
    app.refresh_from_db()
    assert app.agreement == v2 and app.is_active
    other = apps.approve(apps.apply(student=apps.child()))
    services.sign_agreement(actor=parent, application=other)
    other.refresh_from_db()
    assert other.agreement == v3


def test_publishing_an_agreement_tells_families_waiting_to_sign(apps):
    parent = apps.user("parent_a1")
    app = apps.approve(apps.apply())
    with pytest.raises(InvalidInput) as err:
        services.publish_agreement(
            actor=apps.user("principal_a1"), plan=apps.plans["a1"], title="", body=" "
        )
    assert set(err.value.fields) == {"title", "body"}
    with pytest.raises(NotAllowed):
        services.publish_agreement(
            actor=apps.user("teacher_a1"), plan=apps.plans["a1"], title="x", body="y"
        )
    assert not ServiceAgreement.objects.exists()
    apps.agreement()
    note = Notification.objects.filter(recipient=parent).latest("id")
    assert note.title == f"请为{app.student.name}签署课后服务协议"
    assert note.url == f"/applications/{app.public_id}/agreement/"


# --------------------------------------------------------------------------- withdrawal


def _seat_setup(apps, app):
    """The a1 course has one seat: ``app``'s child holds it, another child waits."""
    course = apps.versions["a1"].courses.get()
    CourseCapacity.objects.create(
        course=course, district=apps.world.a, school=apps.world.schools["a1"], capacity=1, taken=1
    )
    waiting_app = apps.approve(apps.apply(student=apps.child()))
    common = {"district": apps.world.a, "school": apps.world.schools["a1"], "course": course}
    held = CourseRegistration.objects.create(
        **common,
        student=app.student,
        application=app,
        status=SeatStatus.CONFIRMED,
        created_by=apps.user("parent_a1"),
    )
    waiting = CourseRegistration.objects.create(
        **common,
        student=waiting_app.student,
        application=waiting_app,
        status=SeatStatus.WAITLISTED,
        created_by=apps.user("parent_a1"),
    )
    Application.objects.filter(pk__in=[app.pk, waiting_app.pk]).update(courses_taken=1)
    return course, held, waiting


def test_approving_a_withdrawal_records_the_last_day_and_passes_the_seat_on(apps):
    parent, principal = apps.user("parent_a1"), apps.user("principal_a1")
    app = apps.approve(apps.apply())
    course, held, waiting = _seat_setup(apps, app)
    today = timezone.localdate()
    last_day = today + timedelta(days=7)

    services.request_withdrawal(actor=parent, application=app, reason="搬家", last_day=last_day)
    app.refresh_from_db()
    assert (app.status, app.withdrawal_last_day_requested) == (S.WITHDRAWAL_REQUESTED, last_day)
    assert "申请退出课后服务" in inbox(principal)[-1]
    with pytest.raises(NotAllowed):
        services.approve_withdrawal(actor=apps.user("teacher_a1"), application=app)
    held.refresh_from_db()
    assert held.status == SeatStatus.CONFIRMED  # nothing released before the decision

    services.approve_withdrawal(
        actor=principal, application=app, effective_date=today + timedelta(days=3)
    )
    app.refresh_from_db()
    held.refresh_from_db()
    waiting.refresh_from_db()
    assert app.status == S.WITHDRAWN and app.withdrawn_at is not None
    assert app.withdrawal_effective_date == today + timedelta(days=3)
    assert app.withdrawal_approved_by == principal
    assert held.status == SeatStatus.CANCELLED
    assert waiting.status == SeatStatus.OFFERED and waiting.offer_expires_at is not None
    assert CourseCapacity.objects.get(course=course).taken == 1  # the seat went on, not back
    assert app.courses_taken == 0
    assert actions(app)[-2:] == ["application.withdrawal_requested", "application.withdrawn"]
    event = AuditEvent.objects.get(action="application.withdrawn")
    assert event.payload["course_entries_released"] == 1
    assert AuditEvent.objects.filter(action="course.released_on_withdrawal").count() == 1
    assert inbox(parent)[-1] == f"{app.student.name}的退出申请已批准"
    assert inbox(apps.user("teacher_a1"))[-1] == (
        f"{app.student.school_class.name}：{app.student.name}退出课后服务"
    )


def test_withdrawal_requests_are_validated_and_may_be_declined(apps):
    parent, principal = apps.user("parent_a1"), apps.user("principal_a1")
    app = apps.apply()
    today = timezone.localdate()
    with pytest.raises(Conflict):
        services.request_withdrawal(actor=parent, application=app, reason="x", last_day=today)
    apps.approve(app)
    with pytest.raises(InvalidInput) as err:
        services.request_withdrawal(
            actor=parent, application=app, reason="", last_day=today - timedelta(days=1)
        )
    assert set(err.value.fields) == {"reason", "last_day"}
    with pytest.raises(InvalidInput) as err:
        services.request_withdrawal(
            actor=parent,
            application=app,
            reason="x",
            last_day=apps.semesters["a"].end_date + timedelta(days=1),
        )
    assert list(err.value.fields) == ["last_day"]
    assert statuses(app) == [S.APPROVED]

    services.request_withdrawal(actor=parent, application=app, reason="想退", last_day=today)
    with pytest.raises(InvalidInput):
        services.decline_withdrawal(actor=principal, application=app, reason="")
    with pytest.raises(InvalidInput):
        services.approve_withdrawal(
            actor=principal,
            application=app,
            effective_date=apps.semesters["a"].end_date + timedelta(days=1),
        )
    services.decline_withdrawal(actor=principal, application=app, reason="学期中不能退出")
    app.refresh_from_db()
    assert (app.status, app.withdrawal_decision_note) == (S.APPROVED, "学期中不能退出")
    assert app.withdrawal_effective_date is None
    with pytest.raises(Conflict) as err:
        services.approve_withdrawal(actor=principal, application=app)
    assert err.value.code == "no_request"
    assert inbox(parent)[-1] == f"{app.student.name}的退出申请未获批准"


def test_a_pending_withdrawal_keeps_an_active_child_active(apps):
    parent = apps.user("parent_a1")
    app = apps.approve(apps.apply())
    apps.agreement()
    services.sign_agreement(actor=parent, application=app)
    services.confirm_insurance(actor=parent, application=app)
    services.request_withdrawal(
        actor=parent, application=app, reason="x", last_day=timezone.localdate()
    )
    app.refresh_from_db()
    assert app.status == S.WITHDRAWAL_REQUESTED and app.is_active
    services.approve_withdrawal(actor=apps.user("principal_a1"), application=app)
    app.refresh_from_db()
    assert not app.is_active

"""Demo step (order 44, after scheduling's groups): the district's privacy notice, the
showcase family's consent, and one child with a peanut allergy in a group ``sy-care``
teaches — the alert the roll shows."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from aftercare.demo import PARENT_WITH_TWO_CHILDREN
from aftercare.models import User
from enrollment.models import Guardianship
from scheduling.models import Assignment, DutyRole, GroupMember

from .models import ConsentDecision, ConsentNotice, ConsentPurpose, Incident, SafetyProfile

NOTICE = {
    "purposes": "组织课后服务（点名、接送、收费）；在孩子所在托管组的教师处保存过敏和健康提示；"
    "经同意后在安全事件记录中保存照片。",
    "data_kept": "孩子姓名、学籍号、班级；监护人姓名和手机号；紧急联系人；"
    "过敏、健康状况及处置办法；考勤、接送、请假、缴费记录；安全事件记录。",
    "storage_location": "区教育局政务云（中国境内）",
    "retention": "服务结束后保存三年；财务记录按会计档案规定保存；安全事件记录保存至孩子毕业。",
    "responsible_contact": "青山区教育局个人信息保护负责人 王老师 0571-12345678",
}


def safety_step(demo) -> None:
    district = demo.district
    notice = ConsentNotice.objects.filter(district=district).order_by("-version").first()
    if notice is None:
        notice = ConsentNotice.objects.create(
            district=district,
            version=1,
            published_by=demo.official,
            published_at=timezone.now(),
            **NOTICE,
        )
    care = User.objects.filter(username="sy-care").first()
    family = list(
        Guardianship.objects.filter(user__mobile=PARENT_WITH_TWO_CHILDREN).select_related(
            "student", "user"
        )
    )
    taught = set()
    if care is not None:
        groups = Assignment.objects.filter(role=DutyRole.TEACHER, staff__user=care).values(
            "group_id"
        )
        taught = set(
            GroupMember.objects.filter(group_id__in=groups).values_list("student_id", flat=True)
        )
    candidates = [g for g in family if g.student_id in taught] or family
    if not candidates and taught:
        first = (
            Guardianship.objects.filter(student_id__in=taught)
            .select_related("student", "user")
            .first()
        )
        candidates = [first] if first else []
    now = timezone.now()
    for g in family + candidates[:1]:
        if ConsentDecision.objects.filter(student=g.student).exists():
            continue
        ConsentDecision.objects.bulk_create(
            ConsentDecision(
                district=district,
                school_id=g.student.school_id,
                student=g.student,
                guardian=g.user,
                notice=notice,
                semester=demo.semester,
                purpose=purpose,
                granted=True,
                decided_at=now,
            )
            for purpose in ConsentPurpose.values
        )
    if (
        candidates
        and not SafetyProfile.objects.filter(~Q(allergies=""), district=district).exists()
    ):
        g = candidates[0]
        SafetyProfile.objects.update_or_create(
            student=g.student,
            defaults={
                "district": district,
                "school_id": g.student.school_id,
                "contacts": [
                    {
                        "name": g.user.full_name or "家长",
                        "relation": "母亲",
                        "mobile": g.user.mobile,
                    },
                    {"name": "李爷爷", "relation": "祖父", "mobile": "13900009999"},
                ],
                "allergies": "花生过敏（严重）",
                "what_to_do": "立即停止进食，拨打120，联系家长；书包内有肾上腺素笔。",
                "has_alert": True,
                "confirmed_semester": demo.semester,
                "confirmed_at": now,
                "confirmed_by": g.user,
            },
        )
        demo.summary.append(f"safety: allergy alert for {g.student.name}")
    alert = SafetyProfile.objects.filter(district=district, has_alert=True).first()
    if (
        care is not None
        and alert is not None
        and not Incident.objects.filter(district=district).exists()
    ):
        Incident.objects.create(
            district=district,
            school_id=alert.school_id,
            student_id=alert.student_id,
            kind="injury",
            occurred_at=now - timedelta(days=1),
            place="操场",
            description="跑步时摔倒，膝盖擦伤。",
            action_taken="消毒包扎，已电话告知家长。",
            recorded_by=care,
            recorded_at=now - timedelta(days=1),
        )

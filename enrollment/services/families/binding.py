"""Binding a child to a parent's account (学籍号 + name), linked at once only for the
guardian's mobile on the school's roster, otherwise pending until the school decides."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import (
    MANAGER_ROLES,
    Membership,
    Role,
    User,
)
from aftercare.notifications import notify, notify_many
from aftercare.services import grant_role
from aftercare.tenancy import Scope
from enrollment.errors import (
    NoMatchingStudent,
    TooManyRequests,
)
from enrollment.models import (
    BindAttempt,
    BindingRequest,
    BindingStatus,
    Guardianship,
    Relation,
    Student,
)
from enrollment.resources import (
    normal_student_number,
)
from enrollment.selectors.families import student_number_match

logger = logging.getLogger(__name__)

BIND_MAX_FAILURES = 5
BIND_WINDOW = timedelta(hours=1)
MAX_PENDING = 5  # binding requests of one user waiting for schools at once
REQUEST_REASON_MAX = BindingRequest._meta.get_field("reason").max_length


# =========================================================================== binding


@dataclass
class BindOutcome:
    """What a binding did: ``linked`` (a new guardian now), ``already`` (was one; the
    relation may have changed) or ``pending`` (waiting for the school: no access yet)."""

    status: str
    student: Student
    guardianship: Guardianship | None = None
    request: BindingRequest | None = None

    @property
    def created(self) -> bool:
        return self.status == "linked"


def bind_child(*, user: User, student_number: str, student_name: str, relation: str) -> BindOutcome:
    """Link ``user`` as a guardian of the student with exactly this 学籍号 and name — at once
    only when the user's mobile number is the guardian's mobile on the school's roster;
    otherwise the binding waits for the school (``BindingRequest``, decided with
    ``decide_binding``) and gives no access to the child meanwhile.

    Number and name are compared exactly after trimming spaces (the number's letters in
    either case, as the roster stores them in capitals); a student no longer on the roll
    does not match. Linked: a Guardianship and a parent Membership at the student's school,
    audited (``guardianship.bound``); binding again returns the existing link, with the
    relation updated. Pending: the request (one per user and child; asking again returns
    it), audited (``guardianship.requested``); the school's managers are told. Either way
    the child's existing guardians are told (they notice a stranger). A failed attempt is
    recorded; after 5 failures within an hour further attempts are refused, and the message
    never tells whether the student number exists. At most ``MAX_PENDING`` requests of a
    user wait at once.
    Errors: InvalidInput (fields), NoMatchingStudent, TooManyRequests (``bind_throttled``,
    ``binding_pending_limit``).
    """
    number = normal_student_number(student_number)
    name = (student_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not number:
        errors["student_number"] = [_("Fill in the student number.")]
    if not name:
        errors["student_name"] = [_("Fill in the child's name.")]
    if relation not in Relation.values:
        errors["relation"] = [_("Choose how you are related to the child.")]
    if errors:
        raise InvalidInput(fields=errors)

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one attempt at a time
        now = timezone.now()
        failures = list(
            BindAttempt.objects.filter(user=user, created_at__gt=now - BIND_WINDOW)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:BIND_MAX_FAILURES]
        )
        throttled = len(failures) >= BIND_MAX_FAILURES
        if not throttled:
            matches = list(
                Student.objects.filter(student_number_match(number), name=name, is_active=True)
                .select_related("district", "school", "school_class")
                .order_by("pk")[:2]
            )
            if len(matches) == 1:
                return _bind_matched(user=user, student=matches[0], relation=relation, now=now)
            if len(matches) > 1:
                # Never the number itself in a log (minors' data): the students' ids.
                logger.warning(
                    "one student number and name in several schools (students %s)",
                    [m.pk for m in matches],
                )
            BindAttempt.objects.create(user=user, created_at=now)
            left = BIND_MAX_FAILURES - len(failures) - 1
    if throttled:
        retry = failures[-1] + BIND_WINDOW - now
        raise TooManyRequests(
            _("Too many failed attempts. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, math.ceil(retry.total_seconds() / 60))},
            code="bind_throttled",
        )
    if left:
        message = ngettext(
            "No student matches this student number and name. Check both against what the "
            "school has on record; the name must be written exactly as registered. You can "
            "try %(count)d more time within the hour.",
            "No student matches this student number and name. Check both against what the "
            "school has on record; the name must be written exactly as registered. You can "
            "try %(count)d more times within the hour.",
            left,
        ) % {"count": left}
    else:
        message = _(
            "No student matches this student number and name. Check both against what the "
            "school has on record; the name must be written exactly as registered."
        )
    raise NoMatchingStudent(message)


def roster_knows(student: Student, user: User) -> bool:
    """The user's mobile is the guardian's mobile on the school's roster."""
    return bool(user.mobile) and student.guardian_mobile == user.mobile


def _bind_matched(*, user: User, student: Student, relation: str, now) -> BindOutcome:
    existing = Guardianship.objects.filter(
        district=student.district, student=student, user=user
    ).first()
    if existing is not None or roster_knows(student, user):
        guardianship, created = _link_guardian(user=user, student=student, relation=relation)
        return BindOutcome(
            status="linked" if created else "already", student=student, guardianship=guardianship
        )
    waiting = BindingRequest.objects.filter(
        district=student.district, student=student, user=user, status=BindingStatus.PENDING
    ).first()
    if waiting is not None:
        if waiting.relation != relation:
            waiting.relation = relation
            waiting.save(update_fields=["relation"])
        return BindOutcome(status="pending", student=student, request=waiting)
    if BindingRequest.objects.filter(user=user, status=BindingStatus.PENDING).count() >= (
        MAX_PENDING
    ):
        raise TooManyRequests(
            _(
                "%(n)d of your bindings are already waiting for their schools. Ask again once "
                "a school has answered."
            )
            % {"n": MAX_PENDING},
            code="binding_pending_limit",
        )
    request = BindingRequest.objects.create(
        district=student.district,
        school=student.school,
        student=student,
        user=user,
        relation=relation,
        created_at=now,
    )
    record_event(
        actor=user,
        action="guardianship.requested",
        obj=student,
        payload={"relation": relation, "request": str(request.public_id)},
    )
    _tell_about_request(request)
    return BindOutcome(status="pending", student=student, request=request)


def _tail(mobile: str | None) -> str:
    return (mobile or "")[-4:] or "—"


def _tell_about_request(request: BindingRequest) -> None:
    """The child's guardians and the school's managers hear of a binding that waits."""
    student, user = request.student, request.user
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "guardian": user.full_name or _("Someone"),
            "relation": request.get_relation_display(),
            "tail": _tail(user.mobile),
            "child": student.name,
            "class": student.school_class.name,
        }
        guardian_title = _("Someone asked to be linked to %(child)s") % params
        guardian_body = (
            _(
                "%(guardian)s (%(relation)s, mobile ending in %(tail)s) asked to be linked to "
                "%(child)s as a guardian. The school checks the request first; if you do not "
                "know this person, contact the school."
            )
            % params
        )
        school_title = _("A guardian binding waits for your confirmation")
        school_body = (
            _(
                "%(guardian)s (%(relation)s, mobile ending in %(tail)s) asked to be linked to "
                "%(child)s (%(class)s); the mobile is not the one on the roster."
            )
            % params
        )
    messages = [
        {
            "recipient": g.user,
            "district": student.district,
            "title": guardian_title,
            "body": guardian_body,
            "url": reverse("student_detail", args=[student.public_id]),
        }
        for g in Guardianship.objects.filter(student=student).select_related("user")
    ]
    roster_url = reverse("roster", args=[student.school.public_id]) + "#bindings"
    messages += [
        {
            "recipient": m.user,
            "district": student.district,
            "title": school_title,
            "body": school_body,
            "url": roster_url,
        }
        for m in Membership.objects.filter(
            school_id=student.school_id, role__in=MANAGER_ROLES
        ).select_related("user")
    ]
    notify_many(messages)


def decide_binding(
    *,
    actor: User,
    request: BindingRequest,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> BindingRequest:
    """The school confirms (``approve``) or refuses (with a reason) a pending binding.
    Confirmed: the user becomes a guardian as in ``bind_child``; the child's other guardians
    are told. Either way the user is told. Audited as ``guardianship.request_approved`` /
    ``guardianship.request_refused``.

    Errors: NotAllowed (not the school's principal or administrator), InvalidInput
    (reason), Conflict ``already_decided``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        req = (
            BindingRequest.objects.select_for_update(of=("self",))
            .select_related("student__district", "student__school", "student__school_class", "user")
            .get(pk=request.pk)
        )
        if not Scope(actor).manages(req.student.school):
            raise NotAllowed(_("Only the principal or a school administrator can do this."))
        if req.status != BindingStatus.PENDING:
            raise Conflict(
                _("This request was already answered (%(status)s).")
                % {"status": req.get_status_display()},
                code="already_decided",
            )
        reason = (reason or "").strip()
        if not approve and not reason:
            raise InvalidInput(fields={"reason": [_("Give the reason for refusing.")]})
        if len(reason) > REQUEST_REASON_MAX:
            raise InvalidInput(
                fields={
                    "reason": [
                        _("At most %(max)d characters, please.") % {"max": REQUEST_REASON_MAX}
                    ]
                }
            )
        student = req.student
        req.status = BindingStatus.APPROVED if approve else BindingStatus.REFUSED
        req.decided_by, req.decided_at, req.reason = actor, now, reason
        req.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        if approve:
            _link_guardian(user=req.user, student=student, relation=req.relation, actor=actor)
        record_event(
            actor=actor,
            action="guardianship.request_approved" if approve else "guardianship.request_refused",
            obj=student,
            payload={
                "request": str(req.public_id),
                "relation": req.relation,
                "mobile_tail": _tail(req.user.mobile),
                "reason": reason,
            },
        )
        with translation.override(settings.LANGUAGE_CODE):
            if approve:
                title = _("%(child)s is now linked to your account") % {"child": student.name}
                body = _("The school confirmed you as a guardian.")
            else:
                title = _("The school did not confirm you as %(child)s's guardian") % {
                    "child": student.name
                }
                body = _("Reason: %(reason)s") % {"reason": reason}
        notify(
            recipient=req.user,
            district=student.district,
            title=title,
            body=body,
            url=reverse("family_home"),
        )
    return req


def _link_guardian(
    *, user: User, student: Student, relation: str, actor: User | None = None
) -> tuple[Guardianship, bool]:
    guardianship, created = Guardianship.objects.get_or_create(
        district=student.district,
        student=student,
        user=user,
        defaults={"school": student.school, "relation": relation},
    )
    grant_role(
        actor=None, user=user, role=Role.PARENT, district=student.district, school=student.school
    )
    if created:
        record_event(
            actor=actor or user,
            action="guardianship.bound",
            obj=student,
            payload={"relation": relation, "via": "school" if actor else "roster"},
        )
        _tell_other_guardians(guardianship)
    elif guardianship.relation != relation:
        old = guardianship.relation
        guardianship.relation = relation
        guardianship.save(update_fields=["relation"])
        record_event(
            actor=actor or user,
            action="guardianship.relation_changed",
            obj=student,
            payload={"from": old, "to": relation},
        )
    return guardianship, created


def _tell_other_guardians(guardianship: Guardianship) -> None:
    """A new guardian of a child is announced to the others: they notice a stranger."""
    student, user = guardianship.student, guardianship.user
    others = Guardianship.objects.filter(student=student).exclude(user=user).select_related("user")
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A new guardian was linked to %(child)s") % {"child": student.name}
        body = _(
            "%(guardian)s (%(relation)s, mobile ending in %(tail)s) is now linked to "
            "%(child)s as a guardian. If you do not know this person, contact the school."
        ) % {
            "guardian": user.full_name or _("Someone"),
            "relation": guardianship.get_relation_display(),
            "tail": _tail(user.mobile),
            "child": student.name,
        }
    url = reverse("student_detail", args=[student.public_id])
    notify_many(
        {
            "recipient": o.user,
            "district": student.district,
            "title": title,
            "body": body,
            "url": url,
        }
        for o in others
    )

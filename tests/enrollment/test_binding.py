"""Binding a child: exact match, idempotent, throttled, silent about what exists; linked at
once only for the guardian's mobile on the school's roster, otherwise pending until the
school confirms it (a pending binding gives no access); the existing guardians are told."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent, Membership, Notification, Role
from enrollment.errors import NoMatchingStudent, TooManyRequests
from enrollment.models import BindAttempt, BindingRequest, Guardianship, Relation, Student
from enrollment.services import families as services
from tests.factories import ParentUserFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent(db):
    """A freshly signed-up parent: a mobile, no user name, no role yet."""
    return ParentUserFactory(full_name="周建国")


def on_roster(student, user):
    """The school's roster names ``user``'s mobile as the child's guardian's."""
    Student.objects.filter(pk=student.pk).update(guardian_mobile=user.mobile)
    student.guardian_mobile = user.mobile
    return student


def bind(user, student, relation=Relation.FATHER, roster=True, **kw):
    """Bind as the guardian the roster names (``roster=False``: a mobile it does not know)."""
    if roster:
        on_roster(student, user)
    data = {"student_number": student.student_number, "student_name": student.name, **kw}
    return services.bind_child(user=user, relation=relation, **data)


def test_an_exact_match_links_the_child_and_makes_a_parent(world, parent):
    student = world.students["a1"]
    outcome = bind(
        parent,
        student,
        student_number=f"  {student.student_number} ",
        student_name=f" {student.name}  ",
    )
    assert outcome.created and outcome.status == "linked"
    guardianship = outcome.guardianship
    assert (guardianship.student, guardianship.user, guardianship.relation) == (
        student,
        parent,
        Relation.FATHER,
    )
    assert (guardianship.district, guardianship.school) == (world.a, world.schools["a1"])
    membership = Membership.objects.get(user=parent)
    assert (membership.role, membership.school) == (Role.PARENT, world.schools["a1"])
    event = AuditEvent.objects.get(action="guardianship.bound")
    assert (event.actor, event.object_id, event.school) == (
        parent,
        str(student.public_id),
        world.schools["a1"],
    )
    assert event.payload == {"relation": "father", "via": "roster"}
    assert AuditEvent.objects.filter(action="membership.granted", object_id=str(parent.public_id))


def test_binding_again_changes_nothing_but_the_relation(world, parent):
    student = world.students["a1"]
    bind(parent, student)
    assert bind(parent, student).status == "already"
    assert Guardianship.objects.filter(user=parent).count() == 1
    assert Membership.objects.filter(user=parent).count() == 1
    assert AuditEvent.objects.filter(action="guardianship.bound").count() == 1
    assert not bind(parent, student, Relation.GRANDPARENT).created
    assert Guardianship.objects.get(user=parent).relation == Relation.GRANDPARENT
    assert AuditEvent.objects.get(action="guardianship.relation_changed").payload == {
        "from": "father",
        "to": "grandparent",
    }


def test_two_guardians_and_the_first_is_told(world, parent):
    student = world.students["a1"]
    first = world.users["parent_a1"]  # already the child's guardian
    bind(parent, student)
    assert set(student.guardianships.values_list("user", flat=True)) == {first.pk, parent.pk}
    note = Notification.objects.get(recipient=first)
    assert note.title == f"{student.name}新增了一位监护人"
    assert note.body == (
        f"周建国（父亲，手机尾号 {parent.mobile[-4:]}）已绑定为{student.name}的监护人。"
        "如您不认识此人，请及时联系学校。"
    )
    assert not Notification.objects.filter(recipient=parent).exists()


def test_two_children_in_two_schools(world, parent, client, login):
    bind(parent, world.students["a1"])
    bind(parent, world.students["a2"], Relation.MOTHER)
    assert set(Membership.objects.filter(user=parent).values_list("school", flat=True)) == {
        world.schools["a1"].pk,
        world.schools["a2"].pk,
    }
    login(parent)
    page = client.get(reverse("family_home"))
    (section,) = [
        s for s in page.context["sections"] if s.template == "enrollment/home/family_children.html"
    ]
    assert {c.pk for c in section.context["children"]} == {
        world.students["a1"].pk,
        world.students["a2"].pk,
    }


def test_a_mismatch_never_tells_whether_the_number_exists(world):
    student = world.students["a1"]
    one, other = ParentUserFactory(), ParentUserFactory()
    with pytest.raises(NoMatchingStudent) as wrong_name:
        bind(one, student, student_name=student.name + "x")
    with pytest.raises(NoMatchingStudent) as no_such_number:
        bind(other, student, student_number="NO-SUCH-NUMBER")
    expected = (
        "学籍号与姓名不匹配。请核对学校登记的信息，姓名须与登记的完全一致。本小时内还可尝试 4 次。"
    )
    assert str(wrong_name.value.message) == str(no_such_number.value.message) == expected
    assert wrong_name.value.code == "no_match" and not wrong_name.value.fields
    assert not Guardianship.objects.filter(user__in=[one, other]).exists()


def test_the_match_is_exact(world, parent):
    student = world.students["a1"]
    for number, name in [
        (student.student_number, student.name[:-1]),
        (student.student_number, f"{student.name[0]} {student.name[1:]}"),
        (student.student_number + "0", student.name),
    ]:
        with pytest.raises(NoMatchingStudent):
            bind(parent, student, student_number=number, student_name=name)


def test_the_number_may_be_typed_in_small_letters_or_full_width(world, parent):
    student = StudentFactory(school_class=world.classes["a1"], student_number="G20260101")
    assert bind(parent, student, student_number="ｇ２０２６０１０１").created


def test_a_student_no_longer_on_the_roll_cannot_be_bound(world, parent):
    student = StudentFactory(school_class=world.classes["a1"], is_active=False)
    with pytest.raises(NoMatchingStudent):
        bind(parent, student)


def test_five_failures_an_hour_then_even_the_right_answer_waits(world, parent):
    student = world.students["a1"]
    for left in (4, 3, 2, 1):
        with pytest.raises(NoMatchingStudent) as caught:
            bind(parent, student, student_name="错")
        assert str(caught.value.message).endswith(f"本小时内还可尝试 {left} 次。")
    with pytest.raises(NoMatchingStudent) as caught:
        bind(parent, student, student_name="错")
    assert str(caught.value.message).endswith("须与登记的完全一致。")
    with pytest.raises(TooManyRequests) as caught:
        bind(parent, student)
    assert caught.value.code == "bind_throttled" and caught.value.status == 429
    assert str(caught.value.message) == "尝试失败次数过多，请 60 分钟后再试。"
    assert BindAttempt.objects.filter(user=parent).count() == 5  # refusals are not counted
    assert not Guardianship.objects.filter(user=parent).exists()

    BindAttempt.objects.filter(user=parent).update(
        created_at=F("created_at") - timedelta(minutes=61)
    )
    assert bind(parent, student).created


def test_other_users_failures_do_not_count(world, parent):
    other = ParentUserFactory()
    for _ in range(5):
        with pytest.raises(NoMatchingStudent):
            bind(other, world.students["a1"], student_name="错")
    assert bind(parent, world.students["a1"]).created


def test_empty_fields_are_errors_not_attempts(world, parent):
    with pytest.raises(InvalidInput) as caught:
        services.bind_child(user=parent, student_number=" ", student_name="", relation="uncle")
    assert caught.value.fields == {
        "student_number": ["请填写学籍号。"],
        "student_name": ["请填写孩子的姓名。"],
        "relation": ["请选择您与孩子的关系。"],
    }
    assert not BindAttempt.objects.exists()


# --------------------------------------------------------------------------- pages


def test_bind_page_links_the_child_and_shows_it_on_family_home(world, parent, client, login):
    login(parent)
    assert client.get(reverse("home")).url == reverse("bind_child")
    student = on_roster(world.students["a1"], parent)
    response = client.post(
        reverse("bind_child"),
        {
            "student_number": student.student_number,
            "student_name": student.name,
            "relation": "mother",
        },
    )
    assert response.status_code == 302 and response.url == reverse("family_home")
    home = client.get(response.url).content.decode()
    assert f"已成功绑定{student.name}。" in home
    assert student.name in home and 'data-testid="bind-child"' in home
    assert client.get(reverse("home")).url == reverse("family_home")


def test_bind_page_shows_a_mismatch_in_place(world, parent, client, login):
    login(parent)
    response = client.post(
        reverse("bind_child"),
        {"student_number": "nope", "student_name": "谁", "relation": "father"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "学籍号与姓名不匹配。请核对学校登记的信息，姓名须与登记的完全一致。本小时内还可尝试 4 次。"
    ]


def test_staff_without_a_role_still_land_on_no_role(db, client, login):
    from tests.factories import UserFactory

    login(UserFactory())
    assert client.get(reverse("home")).url == reverse("no_role")


def test_bind_page_needs_a_login(db, client):
    assert client.get(reverse("bind_child")).url.startswith(reverse("login"))


def test_students_in_the_bound_school_are_not_exposed(world, parent):
    """Binding one child gives the parent role, not a view of the school's other children."""
    from aftercare.tenancy import Scope

    bind(parent, world.students["a1"])
    StudentFactory(school_class=world.classes["a1"])
    assert list(Student.objects.visible_to(Scope(parent))) == [world.students["a1"]]


# --------------------------------------------------------------------------- the roster's mobile


def test_a_number_and_name_alone_no_longer_make_a_guardian(world, parent, client, login, api):
    """Before: anyone who knew 学籍号 and name became a guardian (even a third 母亲) and saw
    the child. Now a mobile the roster does not know waits for the school."""
    student = world.students["a1"]
    Student.objects.filter(pk=student.pk).update(guardian_mobile="13912345678")
    outcome = bind(parent, student, Relation.MOTHER, roster=False)
    assert outcome.status == "pending" and not outcome.created
    assert outcome.guardianship is None
    request = BindingRequest.objects.get()
    assert (request.student, request.user, request.status) == (student, parent, "pending")
    assert not Guardianship.objects.filter(user=parent).exists()
    assert not Membership.objects.filter(user=parent).exists()
    assert AuditEvent.objects.filter(action="guardianship.requested", actor=parent).exists()
    # No access to the child anywhere.
    login(parent)
    assert client.get(reverse("student_detail", args=[student.public_id])).status_code == 404
    assert api(parent).get(f"/api/v1/students/{student.public_id}/").status_code == 404
    family = client.get(reverse("family_home")).content.decode()
    assert student.name not in family
    # Asking again does not pile up requests.
    assert bind(parent, student, Relation.MOTHER, roster=False).request == request
    assert BindingRequest.objects.count() == 1


def test_the_existing_guardians_are_told_either_way(world, parent):
    student = world.students["a1"]
    first = world.users["parent_a1"]
    bind(parent, student, roster=False)  # pending
    pending_note = Notification.objects.get(recipient=first)
    assert student.name in pending_note.title
    assert parent.mobile[-4:] in pending_note.body
    principal_note = Notification.objects.get(recipient=world.users["principal_a1"])
    assert student.name in principal_note.body
    stranger = ParentUserFactory()
    bind(stranger, StudentFactory(school_class=world.classes["a1"]), roster=True)  # nobody to tell
    other = ParentUserFactory(full_name="王芳")
    bind(other, student)  # on the roster: linked at once
    assert Notification.objects.filter(recipient=first).count() == 2
    assert "王芳" in Notification.objects.filter(recipient=first).latest("pk").body


def test_the_school_confirms_a_pending_binding(world, parent):
    student = world.students["a1"]
    request = bind(parent, student, Relation.GRANDPARENT, roster=False).request
    principal = world.users["principal_a1"]
    decided = services.decide_binding(actor=principal, request=request, approve=True)
    assert decided.status == "approved" and decided.decided_by == principal
    link = Guardianship.objects.get(user=parent)
    assert (link.student, link.relation) == (student, Relation.GRANDPARENT)
    assert Membership.objects.filter(user=parent, role=Role.PARENT).exists()
    assert AuditEvent.objects.filter(action="guardianship.request_approved", actor=principal)
    assert Notification.objects.filter(recipient=parent).exists()
    with pytest.raises(Conflict) as err:
        services.decide_binding(actor=principal, request=request, approve=False, reason="x")
    assert err.value.code == "already_decided"


def test_the_school_refuses_with_a_reason(world, parent):
    student = world.students["a1"]
    request = bind(parent, student, roster=False).request
    admin = world.users["admin_a1"]
    with pytest.raises(InvalidInput) as err:
        services.decide_binding(actor=admin, request=request, approve=False, reason=" ")
    assert list(err.value.fields) == ["reason"]
    services.decide_binding(actor=admin, request=request, approve=False, reason="家长信息不符")
    request.refresh_from_db()
    assert (request.status, request.reason) == ("refused", "家长信息不符")
    assert not Guardianship.objects.filter(user=parent).exists()
    note = Notification.objects.filter(recipient=parent).latest("pk")
    assert "家长信息不符" in note.body


def test_only_the_schools_managers_decide(world, parent):
    request = bind(parent, world.students["a1"], roster=False).request
    for who in ("teacher_a1", "principal_a2", "official_a", "parent_a1"):
        with pytest.raises(NotAllowed):
            services.decide_binding(actor=world.users[who], request=request, approve=True)
    assert BindingRequest.objects.get().status == "pending"


def test_the_roster_page_queues_requests_and_decides(world, parent, client, login):
    student = world.students["a1"]
    request = bind(parent, student, roster=False).request
    login(world.users["principal_a1"])
    page = client.get(reverse("roster", args=[world.schools["a1"].public_id])).content.decode()
    assert 'data-testid="binding-queue"' in page and student.name in page
    assert parent.mobile[-4:] in page
    url = reverse("binding_decision", args=[request.public_id, "refuse"])
    again = client.post(url, {"reason": ""})
    assert again.status_code == 400
    assert BindingRequest.objects.get().status == "pending"
    response = client.post(reverse("binding_decision", args=[request.public_id, "approve"]))
    assert response.status_code == 302
    assert Guardianship.objects.filter(user=parent, student=student).exists()
    # Another school's principal: not found.
    other = bind(ParentUserFactory(), world.students["a1"], roster=False).request
    login(world.users["principal_a2"])
    url = reverse("binding_decision", args=[other.public_id, "approve"])
    assert client.post(url).status_code == 404


def test_the_binding_queue_in_the_api(world, parent, api):
    request = bind(parent, world.students["a1"], roster=False).request
    principal = api(world.users["principal_a1"])
    listing = principal.get("/api/v1/binding-requests/").json()["results"]
    assert [r["id"] for r in listing] == [str(request.public_id)]
    assert listing[0]["mobile_tail"] == parent.mobile[-4:] and "mobile" not in listing[0]
    refused = principal.post(f"/api/v1/binding-requests/{request.public_id}/refuse/", {})
    assert refused.status_code == 400
    done = principal.post(f"/api/v1/binding-requests/{request.public_id}/approve/")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    outsider = api(world.users["principal_b1"])
    assert outsider.get(f"/api/v1/binding-requests/{request.public_id}/").status_code == 404
    mine = api(parent).get("/api/v1/binding-requests/").json()["results"]
    assert [r["status"] for r in mine] == ["approved"]


def test_the_api_binding_answers_pending(world, parent, api):
    student = world.students["a1"]
    response = api(parent).post(
        "/api/v1/family/children/",
        {
            "student_number": student.student_number,
            "student_name": student.name,
            "relation": "mother",
        },
    )
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "pending"
    on_roster(student, parent)
    # Still the same pending request: the roster changed, but the school decides it now.
    assert api(parent).get(f"/api/v1/students/{student.public_id}/").status_code == 404

"""Safety profiles: contacts and medical notes kept by the guardians under consent; the
alert shown to the child's group teachers only; every staff read of medical notes audited."""

import pytest
from django.test import override_settings
from django.urls import reverse

from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import AuditEvent
from safety.models import SafetyProfile
from safety.selectors import alerted_ids_for
from safety.services.profiles import save_profile

from .helpers import CONTACTS, consent

pytestmark = pytest.mark.django_db


def _save(sw, **kw):
    values = {"contacts": CONTACTS, "allergies": "花生", "what_to_do": "打120"}
    values.update(kw)
    return save_profile(actor=sw.parent, student=sw.child, **values)


def test_two_contacts_required_and_nothing_written(sw):
    consent(sw.parent, sw.child)
    with pytest.raises(InvalidInput) as err:
        _save(sw, contacts=CONTACTS[:1])
    assert "contacts" in err.value.fields
    assert not SafetyProfile.objects.exists()


@override_settings(SAFETY_MIN_EMERGENCY_CONTACTS=3)
def test_minimum_is_a_setting(sw):
    consent(sw.parent, sw.child)
    with pytest.raises(InvalidInput):
        _save(sw)


def test_medical_notes_need_medical_consent(sw):
    with pytest.raises(InvalidInput) as err:
        _save(sw)
    assert err.value.code == "consent_missing"
    assert not SafetyProfile.objects.exists()
    # contacts alone need no medical consent
    profile = _save(sw, allergies="", what_to_do="")
    assert profile.contacts == CONTACTS and not profile.has_alert


def test_alert_needs_what_to_do(sw):
    consent(sw.parent, sw.child)
    with pytest.raises(InvalidInput) as err:
        _save(sw, what_to_do="")
    assert "what_to_do" in err.value.fields


def test_only_guardians_keep_it(sw):
    with pytest.raises(NotAllowed):
        save_profile(actor=sw.user("care"), student=sw.child, contacts=CONTACTS)


def test_alert_is_for_the_group_teachers_only_and_ends_with_withdrawal(sw, world):
    consent(sw.parent, sw.child)
    _save(sw)
    assert sw.child.pk in alerted_ids_for(sw.user("care"))
    assert sw.child.pk in alerted_ids_for(sw.user("principal"))
    assert sw.child.pk not in alerted_ids_for(sw.user("teacher"))  # homeroom, not in the group
    assert sw.child.pk not in alerted_ids_for(world.users["care_a2"])
    consent(sw.parent, sw.child, medical=False)
    assert sw.child.pk not in alerted_ids_for(sw.user("care"))


def test_a_new_notice_version_asks_again(sw, world):
    from safety.services.consent import publish_notice

    consent(sw.parent, sw.child)
    _save(sw)
    publish_notice(
        actor=world.users["official_a"],
        district=world.a,
        purposes="新目的",
        data_kept="姓名",
        storage_location="境内",
        retention="三年",
        responsible_contact="王老师",
    )
    assert sw.child.pk not in alerted_ids_for(sw.user("care"))


def _views(sw):
    return AuditEvent.objects.filter(action="safety.medical_viewed").count()


def test_every_staff_read_of_medical_notes_is_audited(sw, client, login):
    consent(sw.parent, sw.child)
    _save(sw)
    url = reverse("safety_child", args=[sw.child.public_id])
    login(sw.user("care"))
    page = client.get(url)
    assert page.status_code == 200 and "花生" in page.content.decode()
    client.get(url)
    assert _views(sw) == 2
    event = AuditEvent.objects.filter(action="safety.medical_viewed").first()
    assert event.actor == sw.user("care") and event.school == sw.school
    # the API read is audited too
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(sw.user("principal"))
    body = api.get(reverse("api-safety-profile", args=[sw.child.public_id])).json()
    assert body["allergies"] == "花生" and body["has_alert"] is True
    assert _views(sw) == 3
    # the guardian's own reads are not
    login(sw.parent)
    assert client.get(url).status_code == 200
    assert _views(sw) == 3


@pytest.mark.parametrize("who", ["official", "teacher"])
def test_officials_and_a_homeroom_teacher_outside_the_group_get_403(sw, client, login, who):
    consent(sw.parent, sw.child)
    _save(sw)
    user = sw.world.users["official_a"] if who == "official" else sw.user("teacher")
    login(user)
    assert client.get(reverse("safety_child", args=[sw.child.public_id])).status_code == 403
    assert _views(sw) == 0


def test_parent_page_saves_the_form(sw, client, login):
    consent(sw.parent, sw.child)
    login(sw.parent)
    url = reverse("safety_child", args=[sw.child.public_id])
    data = {
        "c0_name": "张妈妈",
        "c0_relation": "母亲",
        "c0_mobile": "13900000011",
        "c0_name_": "",
        "c1_name": "张爷爷",
        "c1_relation": "祖父",
        "c1_mobile": "13900000012",
        "allergies": "花生",
        "what_to_do": "打120",
        "confirm": "on",
    }
    assert client.post(url, data).status_code == 302
    profile = SafetyProfile.objects.get(student=sw.child)
    assert profile.has_alert and profile.confirmed_at is not None
    bad = client.post(url, {**data, "c1_mobile": "123"})
    assert bad.status_code == 200 and "11" in bad.content.decode()


def test_roll_shows_the_alert_icon_to_the_group_teacher(sw, client, login):
    consent(sw.parent, sw.child)
    _save(sw)
    login(sw.user("care"))
    page = client.get(reverse("attendance_roll", args=[sw.today.public_id]))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="safety-alert"') == 1


def test_roll_alerts_cost_the_same_queries_for_one_or_three_children(sw, client, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enrollment.models import Guardianship

    def count():
        login(sw.user("care"))
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("attendance_roll", args=[sw.today.public_id]))
        return len(ctx), page.content.decode().count('data-testid="safety-alert"')

    consent(sw.parent, sw.child)
    _save(sw)
    one = count()
    for child in [c for c in sw.children if c.pk != sw.child.pk][:2]:
        parent = Guardianship.objects.filter(student=child).first().user
        consent(parent, child)
        save_profile(
            actor=parent,
            student=child,
            contacts=[
                {"name": "甲", "relation": "母亲", "mobile": "13900000021"},
                {"name": "乙", "relation": "父亲", "mobile": "13900000022"},
            ],
            conditions="哮喘",
            what_to_do="吸入器在书包",
        )
    three = count()
    assert one[1] == 1 and three[1] == 3
    assert one[0] == three[0]


def test_api_profile_and_consent_for_the_family(sw):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(sw.parent)
    consent_url = reverse("api-safety-consent", args=[sw.child.public_id])
    assert api.get(consent_url).json() == {
        "notice_version": 1,
        "purposes": {"service": False, "medical": False, "photos": False},
    }
    stale = api.post(
        consent_url, {"notice_version": 0, "purposes": {"medical": True}}, format="json"
    )
    assert stale.status_code == 409
    ok = api.post(consent_url, {"notice_version": 1, "purposes": {"medical": True}}, format="json")
    assert ok.status_code == 200 and ok.json()["purposes"]["medical"] is True
    url = reverse("api-safety-profile", args=[sw.child.public_id])
    bad = api.put(url, {"contacts": CONTACTS[:1]}, format="json")
    assert bad.status_code == 400 and "contacts" in bad.json()["error"]["fields"]
    saved = api.put(
        url, {"contacts": CONTACTS, "allergies": "芒果", "what_to_do": "联系家长"}, format="json"
    )
    assert saved.status_code == 200 and saved.json()["has_alert"] is True
    api.force_authenticate(sw.user("care"))
    assert api.put(url, {"contacts": CONTACTS}, format="json").status_code == 403
    api.force_authenticate(sw.world.users["official_a"])
    assert api.get(url).status_code == 403

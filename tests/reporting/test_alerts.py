"""The life of an alert: recomputing is idempotent, resolves what vanished and reopens what
comes back; officials acknowledge and resolve with a note; every change is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent, Role
from plans.models import PlanVersion
from reporting.models import Alert, AlertChange
from reporting.services.alerts import acknowledge_alert, recompute_alerts, resolve_alert
from tests.factories import UserFactory, member
from tests.reporting.compliance_world import build_compliance

pytestmark = pytest.mark.django_db

RULE = "plan_unapproved"


@pytest.fixture
def c(world):
    return build_compliance(world)


def unapprove(c):
    PlanVersion.objects.filter(pk=c.version.pk).update(decided_at=None, decided_by=None)


def approve(c):
    PlanVersion.objects.filter(pk=c.version.pk).update(
        decided_at=c.version.published_at - timedelta(hours=1),
        decided_by=c.world.users["official_a"],
    )


def recompute(c):
    return recompute_alerts(district=c.district, semester=c.semester, codes=[RULE])


def events(action):
    return AuditEvent.objects.filter(action=action).count()


@pytest.fixture
def inspector(world):
    return member(UserFactory(username="inspector-a"), Role.INSPECTOR, district=world.a)


def test_a_finding_opens_one_alert_and_recomputing_changes_nothing(c):
    unapprove(c)
    first = recompute(c)
    assert len(first.opened) == 1
    alert = Alert.objects.get(rule=RULE)
    assert (alert.state, alert.present) == ("open", True)
    assert events("alert.opened") == 1
    assert AlertChange.objects.filter(alert=alert, event="opened").count() == 1
    before = (alert.last_seen_at, alert.state_changed_at, AlertChange.objects.count())
    again = recompute(c)
    assert again.as_dict() == {
        "opened": 0,
        "reopened": 0,
        "resolved": 0,
        "updated": 0,
        "unavailable": [],
    }
    alert.refresh_from_db()
    assert (alert.last_seen_at, alert.state_changed_at, AlertChange.objects.count()) == before
    assert Alert.objects.count() == 1


def test_the_system_resolves_what_vanished_and_reopens_what_came_back(c):
    unapprove(c)
    recompute(c)
    approve(c)
    assert len(recompute(c).resolved) == 1
    alert = Alert.objects.get(rule=RULE)
    assert (alert.state, alert.present, alert.resolved_by) == ("resolved", False, None)
    assert events("alert.cleared") == 1
    unapprove(c)
    assert len(recompute(c).reopened) == 1
    alert.refresh_from_db()
    assert (alert.state, alert.present, alert.resolved_at) == ("open", True, None)
    assert events("alert.reopened") == 1
    assert list(AlertChange.objects.filter(alert=alert).values_list("event", flat=True)) == [
        "opened",
        "cleared",
        "reopened",
    ]


def test_acknowledged_then_resolved_by_an_official(c):
    unapprove(c)
    recompute(c)
    alert = Alert.objects.get(rule=RULE)
    official = c.world.users["official_a"]
    acknowledge_alert(actor=official, alert=alert, note="已联系学校，补办审批")
    alert.refresh_from_db()
    assert (alert.state, alert.note, alert.acknowledged_by) == (
        "acknowledged",
        "已联系学校，补办审批",
        official,
    )
    recompute(c)  # still there: stays acknowledged
    alert.refresh_from_db()
    assert alert.state == "acknowledged"
    resolve_alert(actor=official, alert=alert, note="学校已撤回公示并重新报批")
    alert.refresh_from_db()
    assert (alert.state, alert.resolved_by) == ("resolved", official)
    recompute(c)  # a decision stands while the condition holds
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.present
    event = AuditEvent.objects.get(action="alert.resolved")
    assert event.actor == official and event.payload["note"] == "学校已撤回公示并重新报批"
    assert event.object_id == str(alert.public_id)


def test_the_system_clears_an_acknowledged_alert_when_the_condition_goes(c):
    unapprove(c)
    recompute(c)
    alert = Alert.objects.get(rule=RULE)
    acknowledge_alert(actor=c.world.users["official_a"], alert=alert, note="跟进中")
    approve(c)
    recompute(c)
    alert.refresh_from_db()
    assert (alert.state, alert.present) == ("resolved", False)
    change = AlertChange.objects.filter(alert=alert).order_by("-pk").first()
    assert (change.event, change.from_state, change.actor) == ("cleared", "acknowledged", None)


def test_notes_are_required_and_bounded(c):
    unapprove(c)
    recompute(c)
    alert = Alert.objects.get(rule=RULE)
    official = c.world.users["official_a"]
    with pytest.raises(InvalidInput):
        acknowledge_alert(actor=official, alert=alert, note="   ")
    with pytest.raises(InvalidInput) as err:
        resolve_alert(actor=official, alert=alert, note="长" * 501)
    assert "501" in str(err.value.fields["note"][0]) and "500" in str(err.value.fields["note"][0])
    alert.refresh_from_db()
    assert alert.state == "open"
    assert not AlertChange.objects.exclude(event="opened").exists()


def test_inspectors_and_other_districts_cannot_act(c, inspector):
    unapprove(c)
    recompute(c)
    alert = Alert.objects.get(rule=RULE)
    with pytest.raises(NotAllowed):
        acknowledge_alert(actor=inspector, alert=alert, note="看到了")
    with pytest.raises(NotAllowed):
        resolve_alert(actor=c.world.users["official_b"], alert=alert, note="不是我区的")
    with pytest.raises(NotAllowed):
        resolve_alert(actor=c.world.users["principal_a1"], alert=alert, note="自己关掉")
    alert.refresh_from_db()
    assert alert.state == "open"


def test_wrong_state_is_a_conflict(c):
    unapprove(c)
    recompute(c)
    alert = Alert.objects.get(rule=RULE)
    official = c.world.users["official_a"]
    resolve_alert(actor=official, alert=alert, note="误报")
    with pytest.raises(Conflict) as err:
        acknowledge_alert(actor=official, alert=alert, note="再确认")
    assert err.value.code == "alert_not_open"
    with pytest.raises(Conflict):
        resolve_alert(actor=official, alert=alert, note="再关一次")


def test_unavailable_rules_leave_their_alerts_alone(c, monkeypatch):
    """A rule that cannot be evaluated (here ``disclosure_late`` where billing has no
    disclosures: the model is taken away) leaves its alert as it is."""
    from reporting.compliance import money

    monkeypatch.setattr(money, "disclosure_model", lambda: None)
    now = timezone.now()
    alert = Alert.objects.create(
        district=c.district,
        school=c.school,
        semester=c.semester,
        rule="disclosure_late",
        key="disclosure_late:school:x:s1",
        subject_type="school",
        subject_id="x",
        subject_label="x",
        message="x",
        first_seen_at=now,
        last_seen_at=now,
        state_changed_at=now,
    )
    result = recompute_alerts(district=c.district, semester=c.semester)
    assert "disclosure_late" in result.unavailable
    alert.refresh_from_db()
    assert (alert.state, alert.present) == ("open", True)


def test_another_semester_is_not_touched(c, world):
    """A recompute of one semester never resolves another's alerts."""
    unapprove(c)
    recompute(c)
    approve(c)
    recompute_alerts(district=c.district, semester=world.semesters["a"], codes=[RULE])
    assert Alert.objects.get(rule=RULE).state == "open"

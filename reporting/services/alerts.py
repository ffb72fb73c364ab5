"""Alerts from findings, and what officials do with them.

``recompute_alerts(district=…, semester=…)`` evaluates every rule (``reporting.compliance``) and
brings the district's alerts of that semester in line, in one transaction:

* a finding with a new key          → a new alert, open
* a finding whose alert exists      → figures and message refreshed, ``last_seen_at`` moved;
                                      an alert the system had resolved (its condition had gone)
                                      opens again
* an alert whose key was not found  → ``present`` False; open or acknowledged ones are
                                      resolved by the system
* rules that cannot be evaluated (``find`` returns None) leave their alerts untouched

Running it twice changes nothing the second time (keys are stable, updates are conditional).
The writes are set-based: one ``INSERT … ON CONFLICT (district_id, key) DO UPDATE`` for the
findings, one ``UPDATE`` for the vanished ones, ``bulk_create`` for the history and audit rows.

Locks: a transaction-level advisory lock per district (``LOCK_SPACE``, district id) serialises
recomputes of one district (the nightly run and an official's); the district's alert rows of
the semester are then locked ``FOR UPDATE`` in id order — the same order ``acknowledge_alert``
and ``resolve_alert`` lock their one row in — so a recompute and an official's action never
deadlock, and neither overwrites the other: the official's change waits, then applies to the
recomputed row (or finds it resolved: 409).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from psycopg2.extras import execute_values

from aftercare.errors import Conflict, InvalidInput
from aftercare.models import AuditEvent, User
from aftercare.tenancy import Scope
from reporting import rules
from reporting.compliance import RULES, Context, Finding
from reporting.models import Alert, AlertChange, AlertState

LOCK_SPACE = 0x414C_5254  # "ALRT"
NOTE_MAX = 500


@dataclass
class RecomputeResult:
    opened: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    updated: int = 0
    unavailable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "opened": len(self.opened),
            "reopened": len(self.reopened),
            "resolved": len(self.resolved),
            "updated": self.updated,
            "unavailable": self.unavailable,
        }


def evaluate_rules(ctx: Context, codes=None) -> tuple[dict[str, Finding], list[str], list[str]]:
    """(findings by key, rules evaluated, rules unavailable)."""
    findings: dict[str, Finding] = {}
    evaluated, unavailable = [], []
    for code, rule in RULES.items():
        if codes is not None and code not in codes:
            continue
        found = rule.find(ctx)
        if found is None:
            unavailable.append(code)
            continue
        evaluated.append(code)
        for finding in found:
            findings[finding.key] = finding
    return findings, evaluated, unavailable


UPSERT = """
    INSERT INTO reporting_alert (
        public_id, district_id, school_id, semester_id, rule, key, subject_type, subject_id,
        subject_label, period, message, value, "limit", params, state, present, first_seen_at,
        last_seen_at, state_changed_at, note)
    VALUES %s
    ON CONFLICT (district_id, key) DO UPDATE SET
        school_id = EXCLUDED.school_id,
        subject_label = EXCLUDED.subject_label,
        message = EXCLUDED.message,
        value = EXCLUDED.value,
        "limit" = EXCLUDED."limit",
        params = EXCLUDED.params,
        present = TRUE,
        last_seen_at = EXCLUDED.last_seen_at,
        state = CASE WHEN reporting_alert.state = 'resolved' AND NOT reporting_alert.present
                     THEN 'open' ELSE reporting_alert.state END,
        state_changed_at = CASE WHEN reporting_alert.state = 'resolved'
                                     AND NOT reporting_alert.present
                                THEN EXCLUDED.last_seen_at
                                ELSE reporting_alert.state_changed_at END,
        resolved_at = CASE WHEN reporting_alert.state = 'resolved' AND NOT reporting_alert.present
                           THEN NULL ELSE reporting_alert.resolved_at END,
        resolved_by_id = CASE WHEN reporting_alert.state = 'resolved'
                                   AND NOT reporting_alert.present
                              THEN NULL ELSE reporting_alert.resolved_by_id END
    WHERE (reporting_alert.subject_label, reporting_alert.message, reporting_alert.value,
           reporting_alert."limit", reporting_alert.params::text, reporting_alert.present,
           reporting_alert.school_id)
          IS DISTINCT FROM
          (EXCLUDED.subject_label, EXCLUDED.message, EXCLUDED.value, EXCLUDED."limit",
           EXCLUDED.params::text, TRUE, EXCLUDED.school_id)
    RETURNING id, key
"""

VANISH = """
    UPDATE reporting_alert SET
        present = FALSE,
        state = 'resolved',
        resolved_at = CASE WHEN state = 'resolved' THEN resolved_at ELSE %(now)s END,
        resolved_by_id = CASE WHEN state = 'resolved' THEN resolved_by_id ELSE NULL END,
        state_changed_at = CASE WHEN state = 'resolved' THEN state_changed_at ELSE %(now)s END
    WHERE district_id = %(district)s AND semester_id = %(semester)s AND rule = ANY(%(rules)s)
      AND present AND NOT (key = ANY(%(keys)s))
    RETURNING id
"""


def recompute_alerts(*, district, semester, today=None, codes=None) -> RecomputeResult:
    """Bring the district's alerts of ``semester`` in line with the data (module doc)."""
    ctx = Context(district=district, semester=semester, today=today or timezone.localdate())
    # Messages are stored: in the site's language, whoever (or whatever task) runs this.
    with translation.override(settings.LANGUAGE_CODE):
        findings, evaluated, unavailable = evaluate_rules(ctx, codes)
    result = RecomputeResult(unavailable=unavailable)
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, district.pk])
        before = {
            a["key"]: a
            for a in Alert.objects.select_for_update()
            .filter(district=district, semester=semester)
            .order_by("pk")
            .values("id", "key", "state", "present", "rule")
        }
        changed: list[int] = []
        if findings:
            with connection.cursor() as cur:
                rows = execute_values(
                    cur,
                    UPSERT,
                    [
                        (
                            str(uuid.uuid4()),
                            district.pk,
                            f.school_id,
                            semester.pk,
                            f.rule,
                            f.key,
                            f.subject_type,
                            f.subject_id,
                            f.subject_label[:200],
                            (f.period_label or f.period)[:40],
                            f.message,
                            f.value[:100],
                            f.limit[:100],
                            json.dumps(f.params, sort_keys=True),
                            AlertState.OPEN,
                            True,
                            now,
                            now,
                            now,
                            "",
                        )
                        for f in findings.values()
                    ],
                    page_size=max(1, len(findings)),
                    fetch=True,
                )
            for alert_id, key in rows:
                old = before.get(key)
                if old is None:
                    result.opened.append(alert_id)
                elif old["state"] == AlertState.RESOLVED and not old["present"]:
                    result.reopened.append(alert_id)
                else:
                    changed.append(alert_id)
        vanished: list[int] = []
        if evaluated:
            with connection.cursor() as cur:
                cur.execute(
                    VANISH,
                    {
                        "now": now,
                        "district": district.pk,
                        "semester": semester.pk,
                        "rules": evaluated,
                        "keys": list(findings) or [""],
                    },
                )
                vanished = [r[0] for r in cur.fetchall()]
        by_id = {a["id"]: a for a in before.values()}
        result.resolved = [i for i in vanished if by_id[i]["state"] != AlertState.RESOLVED]
        result.updated = len(changed) + len(vanished) - len(result.resolved)
        _history(
            district,
            now,
            [(i, "opened", "", AlertState.OPEN) for i in result.opened]
            + [(i, "reopened", AlertState.RESOLVED, AlertState.OPEN) for i in result.reopened]
            + [(i, "cleared", by_id[i]["state"], AlertState.RESOLVED) for i in result.resolved],
        )
    return result


ACTIONS = {
    "opened": "alert.opened",
    "reopened": "alert.reopened",
    "cleared": "alert.cleared",
    "acknowledged": "alert.acknowledged",
    "resolved": "alert.resolved",
}


def _history(district, now, steps, *, actor: User | None = None, note: str = "") -> None:
    """One ``AlertChange`` and one audit event per step ``(alert id, event, from, to)``."""
    if not steps:
        return
    alerts = {a.pk: a for a in Alert.objects.filter(pk__in=[s[0] for s in steps])}
    AlertChange.objects.bulk_create(
        AlertChange(
            district=district,
            alert_id=alert_id,
            at=now,
            actor=actor,
            event=event,
            from_state=old,
            to_state=new,
            note=note,
        )
        for alert_id, event, old, new in steps
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            district=district,
            school_id=alerts[alert_id].school_id,
            actor=actor,
            actor_repr=str(actor)[:100] if actor else "",
            action=ACTIONS[event],
            object_type="reporting.alert",
            object_id=str(alerts[alert_id].public_id),
            object_repr=str(alerts[alert_id].message)[:200],
            payload={"rule": alerts[alert_id].rule, "from": old, "to": new, "note": note},
            created_at=now,
        )
        for alert_id, event, old, new in steps
    )


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidInput(fields={"note": [_("Write what was done or found.")]})
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            fields={
                "note": [
                    _("The note has %(n)d characters; at most %(max)d.")
                    % {"n": len(note), "max": NOTE_MAX}
                ]
            }
        )
    return note


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


@transaction.atomic
def acknowledge_alert(*, actor: User, alert: Alert, note: str) -> Alert:
    """Open → acknowledged, with the official's note. Errors: NotAllowed (not an official of
    the district), InvalidInput (no note), Conflict (not open any more)."""
    rules.require(
        rules.can_act(Scope(actor), alert.district_id),
        _("Only district officials act on alerts; inspectors read them."),
    )
    note = _clean_note(note)
    alert = _locked(alert)
    if alert.state != AlertState.OPEN:
        raise Conflict(
            _("The alert is %(state)s: only an open alert can be acknowledged.")
            % {"state": alert.get_state_display()},
            code="alert_not_open",
        )
    now = timezone.now()
    Alert.objects.filter(pk=alert.pk).update(
        state=AlertState.ACKNOWLEDGED,
        note=note,
        acknowledged_by=actor,
        acknowledged_at=now,
        state_changed_at=now,
    )
    _history(
        alert.district,
        now,
        [(alert.pk, "acknowledged", AlertState.OPEN, AlertState.ACKNOWLEDGED)],
        actor=actor,
        note=note,
    )
    alert.refresh_from_db()
    return alert


@transaction.atomic
def resolve_alert(*, actor: User, alert: Alert, note: str) -> Alert:
    """Open or acknowledged → resolved, with the official's note (dealt with, or a false
    alarm). Errors: NotAllowed, InvalidInput, Conflict (already resolved)."""
    rules.require(
        rules.can_act(Scope(actor), alert.district_id),
        _("Only district officials act on alerts; inspectors read them."),
    )
    note = _clean_note(note)
    alert = _locked(alert)
    if alert.state == AlertState.RESOLVED:
        raise Conflict(_("The alert is already resolved."), code="alert_resolved")
    now = timezone.now()
    old = alert.state
    Alert.objects.filter(pk=alert.pk).update(
        state=AlertState.RESOLVED,
        note=note,
        resolved_by=actor,
        resolved_at=now,
        state_changed_at=now,
    )
    _history(
        alert.district,
        now,
        [(alert.pk, "resolved", old, AlertState.RESOLVED)],
        actor=actor,
        note=note,
    )
    alert.refresh_from_db()
    return alert

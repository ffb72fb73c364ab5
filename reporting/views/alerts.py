"""Compliance alerts: the list (filtered, exported), one alert with its evidence and history,
and what officials do with it (acknowledge, resolve — each with a note, each audited)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from aftercare.audit import record_event
from aftercare.db_router import replica_reads
from aftercare.errors import InvalidInput
from aftercare.models import School
from aftercare.views.errors import apply_domain_error, domain_errors
from reporting import rules
from reporting.compliance import RULES, Evidence
from reporting.models import LIVE_STATES, Alert, AlertState
from reporting.selectors.period import oversight_district, resolve_period
from reporting.services import alerts as services
from reporting.tables import Column, Table, link, xlsx_response
from reporting.views.dashboard import require_reader

STATE_FILTERS = [
    ("live", gettext_lazy("Open or acknowledged")),
    ("open", pgettext_lazy("alert", "Open")),
    ("acknowledged", gettext_lazy("Acknowledged")),
    ("resolved", gettext_lazy("Resolved")),
    ("all", gettext_lazy("All")),
]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was found or done: it stays with the alert."),
    )


def _alerts_table(alerts, period) -> Table:
    table = Table(
        "alerts",
        _("Alerts"),
        [
            Column(_("Rule")),
            Column(_("School")),
            Column(_("Finding")),
            Column(_("Value")),
            Column(_("Limit")),
            Column(_("Period")),
            Column(_("State")),
            Column(_("Updated")),
        ],
        empty=_("No alerts."),
    )
    q = period.query()
    for a in alerts:
        table.add(
            link(
                str(RULES[a.rule].label) if a.rule in RULES else a.rule,
                reverse("reporting_alert", args=[a.public_id]) + f"?{q}",
            ),
            a.school.name if a.school else "—",
            a.message,
            a.value,
            a.limit,
            a.period,
            a.get_state_display(),
            timezone.localtime(a.last_seen_at).strftime("%Y-%m-%d %H:%M"),
        )
    return table


@login_required
@domain_errors
@replica_reads
def alert_list(request):
    require_reader(request)
    district = oversight_district(request)
    period = resolve_period(request, district)
    qs = Alert.objects.filter(district=district).select_related("school")
    if period.semester is not None:
        qs = qs.filter(semester=period.semester)
    state = request.GET.get("state", "live")
    if state == "live":
        qs = qs.filter(state__in=LIVE_STATES)
    elif state in AlertState.values:
        qs = qs.filter(state=state)
    rule = request.GET.get("rule", "")
    if rule in RULES:
        qs = qs.filter(rule=rule)
    schools = list(School.objects.filter(district=district).order_by("code"))
    school = next((s for s in schools if str(s.public_id) == request.GET.get("school")), None)
    if school is not None:
        qs = qs.filter(school=school)
    alerts = list(qs.order_by("state", "-last_seen_at", "-pk")[:1000])
    table = _alerts_table(alerts, period)
    if request.GET.get("export") == "alerts":
        record_event(
            actor=request.user,
            action="reporting.exported",
            obj=district,
            payload={"table": "alerts", "rows": len(alerts), "path": request.path},
        )
        return xlsx_response(table, f"{district.name}-{_('Alerts')}")
    return render(
        request,
        "reporting/alerts.html",
        {
            "district": district,
            "period": period,
            "alerts": alerts,
            "table": table,
            "rules": [(code, r.label) for code, r in RULES.items()],
            "rule_help": [(r.label, r.description) for r in RULES.values()],
            "states": STATE_FILTERS,
            "schools": schools,
            "state": state,
            "rule": rule,
            "school": school,
            "replica_fallback": getattr(request, "replica_fallback", False),
            "nav": "reporting-alerts",
        },
    )


def _alert(request, alert_id) -> Alert:
    alert = rules.lookup_or_404(
        Alert.objects.select_related(
            "school", "semester", "district", "acknowledged_by", "resolved_by"
        ),
        request.scope,
        public_id=alert_id,
    )
    require_reader(request, alert.district_id)
    return alert


def _evidence_table(alert, evidence: Evidence) -> Table:
    table = Table(
        "evidence",
        _("Evidence"),
        [Column(c) for c in evidence.columns],
        empty=_("No rows: the condition no longer shows in the data."),
    )
    for row in evidence.rows:
        table.add(*row)
    return table


@login_required
@domain_errors
@replica_reads
def alert_detail(request, alert_id):
    alert = _alert(request, alert_id)
    district = oversight_district(request, alert.district_id)
    period = resolve_period(request, district)
    names = rules.sees_names(request.scope, district.pk)
    rule = RULES.get(alert.rule)
    evidence = rule.evidence(alert, names=names) if rule else Evidence(columns=[])
    table = _evidence_table(alert, evidence)
    if request.GET.get("export") == "evidence":
        record_event(
            actor=request.user,
            action="reporting.exported",
            obj=alert,
            district=alert.district,
            school=alert.school,
            payload={"table": "evidence", "rows": len(table.rows)},
        )
        return xlsx_response(table, f"{_('Evidence')}-{alert.rule}-{alert.subject_label}")
    return render(
        request,
        "reporting/alert.html",
        {
            "alert": alert,
            "rule": rule,
            "evidence": evidence,
            "table": table,
            "links": evidence.links
            if names
            else [(label, url) for label, url in evidence.links if url.startswith("/district/")],
            "changes": alert.changes.select_related("actor").order_by("at", "pk"),
            "can_act": rules.can_act(request.scope, alert.district_id),
            "form": NoteForm(),
            "district": district,
            "period": period,
            "names": names,
            "replica_fallback": getattr(request, "replica_fallback", False),
            "nav": "reporting-alerts",
        },
    )


def _act(request, alert_id, service, done_message):
    alert = _alert(request, alert_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, alert=alert, note=form.cleaned_data["note"])
        except InvalidInput as err:
            apply_domain_error(form, err)
        else:
            messages.success(request, done_message)
            return redirect("reporting_alert", alert.public_id)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("reporting_alert", alert.public_id)


def _back(request, alert_id=None, **_kw) -> str:
    return reverse("reporting_alert", args=[alert_id])


@require_POST
@login_required
@domain_errors(back=_back)
def alert_acknowledge(request, alert_id):
    return _act(request, alert_id, services.acknowledge_alert, _("Alert acknowledged."))


@require_POST
@login_required
@domain_errors(back=_back)
def alert_resolve(request, alert_id):
    return _act(request, alert_id, services.resolve_alert, _("Alert resolved."))

from django.urls import path

from reporting.views import alerts, assessment, dashboard

urlpatterns = [
    path("district/dashboard/", dashboard.dashboard, name="reporting_dashboard"),
    path("district/dashboard/recompute/", dashboard.recompute, name="reporting_recompute"),
    path("district/dashboard/replica/", dashboard.replica, name="reporting_replica"),
    path(
        "district/dashboard/schools/<uuid:school_id>/",
        dashboard.school_detail,
        name="reporting_school",
    ),
    path(
        "district/dashboard/classes/<uuid:class_id>/",
        dashboard.class_detail,
        name="reporting_class",
    ),
    path(
        "district/dashboard/groups/<uuid:group_id>/",
        dashboard.group_detail,
        name="reporting_group",
    ),
    path(
        "district/dashboard/children/<uuid:student_id>/",
        dashboard.child_detail,
        name="reporting_child",
    ),
    path("district/alerts/", alerts.alert_list, name="reporting_alerts"),
    path("district/alerts/<uuid:alert_id>/", alerts.alert_detail, name="reporting_alert"),
    path(
        "district/alerts/<uuid:alert_id>/acknowledge/",
        alerts.alert_acknowledge,
        name="reporting_alert_acknowledge",
    ),
    path(
        "district/alerts/<uuid:alert_id>/resolve/",
        alerts.alert_resolve,
        name="reporting_alert_resolve",
    ),
    path("district/assessment/", assessment.assessment_list, name="assessment_list"),
    path(
        "district/assessment/<uuid:sheet_id>/",
        assessment.assessment_sheet,
        name="assessment_sheet",
    ),
    path(
        "district/assessment/<uuid:sheet_id>/<slug:action>/",
        assessment.assessment_sheet_action,
        name="assessment_sheet_action",
    ),
    path(
        "assessment/schools/<uuid:assessment_id>/",
        assessment.assessment_school,
        name="assessment_school",
    ),
    path(
        "school/<uuid:school_id>/assessment/",
        assessment.school_assessments,
        name="school_assessments",
    ),
]

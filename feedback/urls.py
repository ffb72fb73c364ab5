"""Pages of complaints and service evaluations (included at the site root)."""

from django.urls import path

from .views import complaints, evaluations

urlpatterns = [
    # the family
    path("family/feedback/", complaints.family, name="feedback_family"),
    path("family/complaints/new/", complaints.complaint_new, name="complaint_new"),
    path(
        "evaluations/<uuid:evaluation_id>/answer/<uuid:student_id>/",
        evaluations.answer,
        name="evaluation_answer",
    ),
    # one complaint, its actions and files (every party)
    path("complaints/<uuid:complaint_id>/", complaints.complaint_detail, name="complaint_detail"),
    path(
        "complaints/<uuid:complaint_id>/<slug:action>/",
        complaints.complaint_action,
        name="complaint_action",
    ),
    path(
        "complaints/files/<uuid:attachment_id>/",
        complaints.attachment,
        name="complaint_attachment",
    ),
    # the school
    path("school/<uuid:school_id>/feedback/", complaints.school_feedback, name="school_feedback"),
    path(
        "school/<uuid:school_id>/complaints/export/",
        complaints.school_export,
        name="school_complaints_export",
    ),
    path(
        "school/<uuid:school_id>/evaluations/new/",
        evaluations.school_new,
        name="school_evaluation_new",
    ),
    # the district
    path("district/feedback/", complaints.district_feedback, name="district_feedback"),
    path(
        "district/complaints/export/", complaints.district_export, name="district_complaints_export"
    ),
    path("district/complaints/hotline/", complaints.hotline_new, name="hotline_complaint_new"),
    path("district/evaluations/new/", evaluations.district_new, name="district_evaluation_new"),
    # results
    path("evaluations/<uuid:evaluation_id>/", evaluations.detail, name="evaluation_detail"),
    path(
        "evaluations/<uuid:evaluation_id>/export/",
        evaluations.export,
        name="evaluation_export",
    ),
    path(
        "evaluations/<uuid:evaluation_id>/<slug:action>/",
        evaluations.action,
        name="evaluation_action",
    ),
    # teachers
    path("teacher/evaluations/", evaluations.teacher, name="teacher_evaluations"),
]

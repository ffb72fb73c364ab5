"""Pages of the enrollment app: roster, family sign-up and binding, extended-course
registration, applications and their review (included at the site root)."""

from django.urls import path

from enrollment.views import applications, courses, families, registrants

urlpatterns = [
    # roster, a class, a child's record, sign-up, binding
    path("classes/<uuid:class_id>/", families.class_detail, name="class_detail"),
    path("students/<uuid:student_id>/", families.student_detail, name="student_detail"),
    path("school/<uuid:school_id>/roster/", families.roster, name="roster"),
    path("school/<uuid:school_id>/roster/import/", families.roster_import, name="roster_import"),
    path(
        "school/<uuid:school_id>/roster/import/confirm/",
        families.roster_import_confirm,
        name="roster_import_confirm",
    ),
    path("school/<uuid:school_id>/roster/export/", families.roster_export, name="roster_export"),
    path("accounts/signup/", families.signup, name="signup"),
    path("accounts/signup/verify/", families.signup_verify, name="signup_verify"),
    path("accounts/signup/resend/", families.signup_resend, name="signup_resend"),
    path("family/children/add/", families.bind_child, name="bind_child"),
    path(
        "bindings/<uuid:request_id>/<slug:decision>/",
        families.binding_decision,
        name="binding_decision",
    ),
    # extended-course registration
    path("family/courses/", courses.family_courses, name="family_courses"),
    path("courses/<uuid:course_id>/register/", courses.register_course, name="register_course"),
    path(
        "registrations/<uuid:registration_id>/<slug:action>/",
        courses.registration_action,
        name="registration_action",
    ),
    path(
        "plans/<uuid:plan_id>/registration/",
        courses.school_registration,
        name="school_registration",
    ),
    path(
        "plans/<uuid:plan_id>/registration/courses/<uuid:course_id>/",
        registrants.course_registrants,
        name="course_registrants",
    ),
    path(
        "plans/<uuid:plan_id>/registration/<slug:action>/",
        courses.school_registration_action,
        name="school_registration_action",
    ),
    path("public/lottery/<uuid:course_id>/", courses.public_lottery, name="public_lottery"),
    # applications
    # parents
    path("family/applications/", applications.family_applications, name="family_applications"),
    path("family/applications/apply/", applications.apply, name="application_apply"),
    path(
        "applications/<uuid:application_id>/change/", applications.change, name="application_change"
    ),
    path(
        "applications/<uuid:application_id>/agreement/",
        applications.agreement,
        name="application_agreement",
    ),
    path("applications/<uuid:application_id>/sign/", applications.sign, name="application_sign"),
    path(
        "applications/<uuid:application_id>/insurance/",
        applications.insurance,
        name="application_insurance",
    ),
    path(
        "applications/<uuid:application_id>/withdraw/",
        applications.withdraw,
        name="application_withdraw",
    ),
    # homeroom teachers (and school managers)
    path("teacher/applications/", applications.teacher_applications, name="teacher_applications"),
    path(
        "teacher/applications/approve/",
        applications.review_batch,
        name="teacher_applications_batch",
    ),
    path(
        "applications/<uuid:application_id>/review/", applications.review, name="application_review"
    ),
    # the school
    path(
        "school/<uuid:school_id>/applications/",
        applications.school_applications,
        name="school_applications",
    ),
    path(
        "plans/<uuid:plan_id>/applications/approve/",
        applications.bulk_approve,
        name="applications_bulk_approve",
    ),
    path(
        "plans/<uuid:plan_id>/applications/publish/",
        applications.publish_list,
        name="applications_publish_list",
    ),
    path(
        "applications/<uuid:application_id>/verify-priority/",
        applications.verify_priority,
        name="application_verify_priority",
    ),
    path("plans/<uuid:plan_id>/agreement/", applications.agreement_editor, name="agreement_editor"),
    path(
        "applications/<uuid:application_id>/withdrawal/<slug:decision>/",
        applications.withdrawal_decision,
        name="application_withdrawal_decision",
    ),
    # the public (no login)
    path(
        "public/participants/<uuid:plan_id>/",
        applications.public_participants,
        name="public_participants",
    ),
]

"""Pages of extended-course registration."""

from django.urls import path

from . import views_courses as views

urlpatterns = [
    path("family/courses/", views.family_courses, name="family_courses"),
    path("courses/<uuid:course_id>/register/", views.register_course, name="register_course"),
    path(
        "registrations/<uuid:registration_id>/<slug:action>/",
        views.registration_action,
        name="registration_action",
    ),
    path(
        "plans/<uuid:plan_id>/registration/", views.school_registration, name="school_registration"
    ),
    path(
        "plans/<uuid:plan_id>/registration/<slug:action>/",
        views.school_registration_action,
        name="school_registration_action",
    ),
    path("public/lottery/<uuid:course_id>/", views.public_lottery, name="public_lottery"),
]

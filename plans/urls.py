"""Pages of district policy and school plans (included at the site root)."""

from django.urls import path

from plans.views import categories as category_views
from plans.views import plans as plan_views
from plans.views import policy as policy_views
from plans.views import public as public_views

urlpatterns = [
    path("district/policy/", policy_views.policy_index, name="policy_index"),
    path("semesters/<uuid:semester_id>/policy/", policy_views.policy_detail, name="policy_detail"),
    path(
        "semesters/<uuid:semester_id>/policy/edit/",
        policy_views.policy_edit,
        name="policy_edit",
    ),
    path(
        "semesters/<uuid:semester_id>/policy/categories/",
        category_views.policy_categories,
        name="policy_categories",
    ),
    path(
        "semesters/<uuid:semester_id>/policy/categories/default/",
        category_views.policy_category,
        name="policy_category_default",
    ),
    path(
        "semesters/<uuid:semester_id>/policy/categories/<slug:code>/",
        category_views.policy_category,
        name="policy_category",
    ),
    path("district/plans/", plan_views.district_plans, name="district_plans"),
    path("school/<uuid:school_id>/plans/", plan_views.school_plans, name="school_plans"),
    path("plans/<uuid:plan_id>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<uuid:plan_id>/general/", plan_views.plan_general_edit, name="plan_general_edit"),
    path(
        "plans/<uuid:plan_id>/actions/<slug:action>/",
        plan_views.plan_action,
        name="plan_action",
    ),
    path("plans/<uuid:plan_id>/<slug:kind>/new/", plan_views.plan_part_edit, name="plan_part_new"),
    path(
        "plans/<uuid:plan_id>/<slug:kind>/<int:part_id>/",
        plan_views.plan_part_edit,
        name="plan_part_edit",
    ),
    path(
        "plans/<uuid:plan_id>/<slug:kind>/<int:part_id>/delete/",
        plan_views.plan_part_delete,
        name="plan_part_delete",
    ),
    path("public/plans/<uuid:plan_id>/", public_views.public_plan, name="public_plan"),
    path("public/<slug:district_code>/", public_views.public_district, name="public_district"),
]

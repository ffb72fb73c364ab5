"""REST API for district policies and school plans, under /api/v1/.

policy-presets/                          the presets a policy starts from
policies/ · {id}/ · {id}/change/ · {id}/diff/
plans/ · {id}/ · {id}/draft/ · {id}/check/
plans/{id}/submit/ · approve/ · return/ · publish/ · amend/
plans/{plan_id}/versions/ · {number}/
plans/{plan_id}/periods/ · courses/ · windows/ (and /{part_id}/)
"""

from rest_framework.routers import SimpleRouter

from plans.api.common import UUID_RE
from plans.api.plans import (
    CourseViewSet,
    PeriodViewSet,
    PlanVersionViewSet,
    PlanViewSet,
    WindowViewSet,
)
from plans.api.policies import PolicyPresetViewSet, PolicyViewSet

PLAN = rf"plans/(?P<plan_id>{UUID_RE})"

router = SimpleRouter()
router.register("policy-presets", PolicyPresetViewSet, basename="policy-preset")
router.register("policies", PolicyViewSet, basename="policy")
router.register("plans", PlanViewSet, basename="plan")
router.register(f"{PLAN}/versions", PlanVersionViewSet, basename="plan-version")
router.register(f"{PLAN}/periods", PeriodViewSet, basename="plan-period")
router.register(f"{PLAN}/courses", CourseViewSet, basename="plan-course")
router.register(f"{PLAN}/windows", WindowViewSet, basename="plan-window")

urlpatterns = router.urls

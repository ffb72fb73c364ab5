from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("students", api.StudentViewSet, basename="student")

urlpatterns = router.urls

"""The app's URLs plus the registration variants the rush benchmark compares."""

from django.urls import path

from aftercare.urls import urlpatterns as app_urlpatterns
from bench import variants

urlpatterns = [
    path(
        "bench/<slug:variant>/courses/<uuid:course_id>/register/",
        variants.view,
        name="bench-register",
    ),
    *app_urlpatterns,
]

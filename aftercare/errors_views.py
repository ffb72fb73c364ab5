"""Error pages: JSON in the API's error shape under /api/, translated pages elsewhere."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _api(request):
        return JsonResponse(
            {"error": {"code": "not_found", "message": _("Not found.")}}, status=404
        )
    return render(request, "404.html", status=404)


def forbidden(request, exception=None):
    if _api(request):
        return JsonResponse(
            {
                "error": {
                    "code": "permission_denied",
                    "message": _("You are not allowed to do this."),
                }
            },
            status=403,
        )
    return render(request, "403.html", status=403)


def server_error(request):
    if _api(request):
        return JsonResponse(
            {"error": {"code": "server_error", "message": _("Something went wrong on our side.")}},
            status=500,
        )
    return render(request, "500.html", status=500)

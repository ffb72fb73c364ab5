"""Error pages outside a view's own handling (unknown URL, a bare 403, a 500, a bad request):
JSON in the API's error shape under /api/ (``aftercare.api_conf.error_body``), translated
pages elsewhere."""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from aftercare.api_conf import error_body


def _api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _api(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return render(request, "404.html", status=404)


def forbidden(request, exception=None):
    if _api(request):
        return JsonResponse(
            error_body("permission_denied", _("You are not allowed to do this.")), status=403
        )
    reason = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def bad_request(request, exception=None):
    if _api(request):
        return JsonResponse(error_body("bad_request", _("The request is malformed.")), status=400)
    return render(request, "400.html", status=400)


def server_error(request):
    if _api(request):
        return JsonResponse(
            error_body("server_error", _("Something went wrong on our side.")), status=500
        )
    return render(request, "500.html", status=500)

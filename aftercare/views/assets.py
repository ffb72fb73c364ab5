"""Files browsers ask for at fixed root URLs (/favicon.ico), served from the static files."""

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import FileResponse, Http404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from aftercare.views.errors import domain_errors


def _open_static(name: str):
    path = finders.find(name)
    if path:
        return open(path, "rb")  # FileResponse closes it
    try:
        return staticfiles_storage.open(name)
    except (FileNotFoundError, OSError) as exc:
        raise Http404(name) from exc


@require_safe
@cache_control(public=True, max_age=60 * 60 * 24 * 7)
@domain_errors  # as every kernel page (tests/test_errors.py), though it raises none
def favicon(request):
    """Browsers fetch /favicon.ico whatever the page links: the same icon as base.html's."""
    return FileResponse(_open_static("favicon.ico"), content_type="image/x-icon")

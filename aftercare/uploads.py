"""Uploads refused while they stream in, before they are stored or parsed.

``SizeLimitedUploadHandler`` is the first of ``FILE_UPLOAD_HANDLERS``. Each route has a
limit: a page view's ``max_upload_bytes`` (``@upload_limit(mb=…)``), an API view class's
``max_upload_bytes`` attribute, else ``settings.MAX_UPLOAD_MB``. A request whose
Content-Length is over the limit (plus a little for the form's other fields) is refused at
its first file chunk; a file that grows past it, at the chunk that crosses it. Nothing of the
file is kept (the other handlers never see a byte past the limit); the rest of the body is
read and discarded, so the form's fields (the CSRF token) still arrive and the view can
answer with its own message: it asks ``refused(request)`` first (the limit, or None).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.urls import Resolver404, resolve

FORM_FIELDS_SLACK = 64 * 1024  # the multipart framing and the form's other fields


def upload_limit(*, mb: int):
    """Give a page view its own upload limit (put it right above ``def``)."""

    def decorate(view):
        view.max_upload_bytes = mb * 1024 * 1024
        return view

    return decorate


def route_limit(request) -> int:
    match = getattr(request, "resolver_match", None)
    if match is None:  # a middleware read the body before the URL was resolved
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
    func = getattr(match, "func", None)
    for owner in (func, getattr(func, "view_class", None), getattr(func, "cls", None)):
        limit = getattr(owner, "max_upload_bytes", None)
        if limit:
            return int(limit)
    return int(getattr(settings, "MAX_UPLOAD_MB", 25)) * 1024 * 1024


def refused(request) -> int | None:
    """The limit an upload of this request went over, or None (parses the body if needed)."""
    request = getattr(request, "_request", request)  # a DRF request: its Django request
    if request.method == "POST":
        request.FILES  # noqa: B018 (parse now: the handler sets the flag while parsing)
    return getattr(request, "upload_refused", None)


class SizeLimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = route_limit(request) if request is not None else None
        self.too_long = False
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if self.limit is not None and content_length > self.limit + FORM_FIELDS_SLACK:
            self.too_long = True  # refused at the first file chunk (fields before it parse)
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.limit is not None and (self.too_long or self.received > self.limit):
            if self.request is not None:
                self.request.upload_refused = self.limit
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None

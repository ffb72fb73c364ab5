"""One way to authorize and to fail: rules modules, one page mapper, one API handler.

Another tenant's object 404 (tests/test_tenancy.py), a wrong role in one's own tenant 403
with the reason, a wrong state 409, bad input 400 — the same on every page of the kernel and
of plans (``aftercare.views.errors.domain_errors``) and everywhere in the API
(``aftercare.api_conf.exception_handler``, the only handler).
"""

import re
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.views import APIView

from aftercare.errors import Conflict, DomainError, InvalidInput, NotAllowed
from aftercare.views.errors import domain_errors, error_messages

ROOT = Path(__file__).resolve().parent.parent


def _patterns():
    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns)
            elif isinstance(p, URLPattern):
                yield p

    return list(walk(get_resolver().url_patterns))


# --------------------------------------------------------------------------- the page mapper


def _view(error):
    def view(request, **kwargs):
        raise error

    return view


def test_a_wrong_role_is_the_403_page_with_its_reason():
    request = RequestFactory().get("/x/")
    with pytest.raises(PermissionDenied) as caught:
        domain_errors(_view(NotAllowed("只有区教育局工作人员可以审核方案。")))(request)
    assert str(caught.value) == "只有区教育局工作人员可以审核方案。"


@pytest.mark.django_db
def test_a_wrong_state_or_bad_input_is_a_page_with_its_status_and_message(rf):
    request = rf.get("/x/")
    conflict = domain_errors(_view(Conflict("名额已满。", code="full")))(request)
    assert conflict.status_code == 409 and "名额已满。" in conflict.content.decode()
    bad = domain_errors(_view(InvalidInput(fields={"name": ["请填写名称。"]})))(request)
    assert bad.status_code == 400 and "请填写名称。" in bad.content.decode()


def test_with_back_the_message_is_flashed_and_the_page_shown_again(rf):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.post("/plans/p/actions/submit/")
    request.session = {}
    request._messages = FallbackStorage(request)
    back = domain_errors(back=lambda request, plan_id: f"/plans/{plan_id}/")
    response = back(_view(Conflict("该版本已提交。")))(request, plan_id="p")
    assert (response.status_code, response.url) == (302, "/plans/p/")
    assert [str(m) for m in get_messages(request)] == ["该版本已提交。"]


def test_error_messages_prefer_the_errors_own_message():
    assert error_messages(Conflict("已有同名学期。", fields={"name": ["x"]})) == ["已有同名学期。"]
    assert error_messages(InvalidInput(fields={"a": ["甲"], "b": ["乙"]})) == ["甲", "乙"]
    assert error_messages(InvalidInput()) == [str(InvalidInput.default_message)]


# --------------------------------------------------------------------------- on real pages


@pytest.mark.django_db
def test_a_teacher_on_the_calendar_page_gets_the_reason(world, client, login):
    login(world.users["teacher_a1"])
    response = client.get(reverse("semester_detail", args=[world.semesters["a"].public_id]))
    assert response.status_code == 403
    assert "Your role does not allow this." not in response.content.decode()


# --------------------------------------------------------------------------- the API


def test_the_api_handler_renders_every_domain_error(rf):
    from aftercare.api_conf import exception_handler

    class Detailed(Conflict):
        def api_fields(self):
            return {"items": [{"code": "x", "message": "m", "item_id": 3}]}

    for error, status in (
        (InvalidInput(fields={"name": ["必填"]}), 400),
        (NotAllowed(), 403),
        (Conflict(code="full"), 409),
        (Detailed("细节"), 409),
    ):
        response = exception_handler(error, {"request": rf.get("/api/v1/x/")})
        assert response.status_code == status
        assert set(response.data) == {"error"}
        assert response.data["error"]["code"] == error.code
    assert response.data["error"]["fields"] == {
        "items": [{"code": "x", "message": "m", "item_id": 3}]
    }


def test_no_api_view_handles_exceptions_itself():
    """The exception handler is the single place: no view overrides ``handle_exception``."""
    for pattern in _patterns():
        cls = getattr(pattern.callback, "cls", None) or getattr(
            pattern.callback, "view_class", None
        )
        if cls is not None and issubclass(cls, APIView):
            assert cls.handle_exception is APIView.handle_exception, (pattern.name, cls)
            assert cls.get_exception_handler is APIView.get_exception_handler, pattern.name


@pytest.mark.django_db
def test_wrong_credentials_are_the_error_shape(world, client):
    response = client.post("/api/v1/auth/token/", {"username": "official-a", "password": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"


# --------------------------------------------------------------------------- guards


MAPPED_MODULES = ("aftercare.views", "plans.views")


def test_every_page_of_the_kernel_and_plans_maps_domain_errors():
    pages = [
        p
        for p in _patterns()
        if getattr(p.callback, "__module__", "").startswith(MAPPED_MODULES)
        and not hasattr(p.callback, "view_class")  # Django's auth views (login, password)
    ]
    assert len(pages) > 20
    unmapped = [p.name for p in pages if not getattr(p.callback, "maps_domain_errors", False)]
    assert not unmapped, unmapped


INLINE = re.compile(
    r"(scope|Scope\([^)]*\))\.(manages|is_official|has_role)\(|\.roles\s*&|manager_schools"
    r"|official_districts|raise PermissionDenied|def _require_(manager|official)"
)


@pytest.mark.parametrize(
    "folder",
    [
        "aftercare/views",
        "aftercare/api.py",
        "aftercare/services",
        "plans/views",
        "plans/api",
        "plans/services",
    ],
)
def test_authorization_is_asked_of_the_rules_modules(folder):
    """Views, API and services ask ``aftercare.rules`` / ``plans.rules``; they do not test
    roles themselves (the page mapper is the one place that raises PermissionDenied)."""
    path = ROOT / folder
    files = [path] if path.is_file() else sorted(path.rglob("*.py"))
    offenders = [
        f"{f.relative_to(ROOT)}:{n}"
        for f in files
        if f.name != "errors.py"
        for n, line in enumerate(f.read_text().splitlines(), 1)
        if INLINE.search(line)
    ]
    assert not offenders, offenders


def test_domain_errors_keep_their_statuses():
    assert (InvalidInput.status, NotAllowed.status, Conflict.status) == (400, 403, 409)
    assert DomainError().api_fields() == {}

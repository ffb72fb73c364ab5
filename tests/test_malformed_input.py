"""No input gets a 500: malformed JSON on every JSON endpoint answers 4xx in the error shape.

A body of ~1,000 nested ``[`` used to answer 500 everywhere (the parser's RecursionError
escaped), and a body of ``[]``, ``"x"`` or ``-1`` answered 500 where a view read
``request.data`` as an object. The kernel's parser (aftercare/parsers.py) refuses both.
"""

import io
import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from aftercare.parsers import JSONParser
from tests.test_tenancy import _foreign_routes

DEEP = "[" * 1000 + "]" * 1000
BODIES = {
    "deep array": DEEP,
    "deep object": '{"a":' * 1000 + "1" + "}" * 1000,
    "empty array": "[]",
    "string": '"x"',
    "number": "-1",
    "null": "null",
    "truncated": '{"student": ',
    "NaN": '{"a": NaN}',
}
WRITES = ("post", "put", "patch", "delete")


def _assert_4xx(response, where):
    assert 400 <= response.status_code < 500 or response.status_code < 300, where
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, (where, body)
        assert body["error"]["code"] and body["error"]["message"], (where, body)


# --------------------------------------------------------------------------- the parser


@pytest.mark.parametrize("name", sorted(BODIES))
def test_the_parser_refuses_what_is_not_a_json_object(name):
    with pytest.raises(ParseError):
        JSONParser().parse(io.BytesIO(BODIES[name].encode()), parser_context={})


def test_an_array_passes_only_where_the_view_asks_for_one():
    class Bulk:
        accepts_json_array = True

    parsed = JSONParser().parse(io.BytesIO(b"[1, 2]"), parser_context={"view": Bulk()})
    assert parsed == [1, 2]
    assert JSONParser().parse(io.BytesIO(b'{"a": [1]}'), parser_context={}) == {"a": [1]}


def test_every_api_view_parses_json_with_the_kernel_parser():
    from rest_framework.views import APIView

    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns)
            elif isinstance(p, URLPattern):
                yield p

    for pattern in walk(get_resolver().url_patterns):
        cls = getattr(pattern.callback, "cls", None)
        if cls is None or not issubclass(cls, APIView):
            continue
        views = [cls]
        actions = getattr(pattern.callback, "actions", None) or {}
        for method in actions.values():
            kwargs = getattr(getattr(cls, method, None), "kwargs", {}) or {}
            if kwargs.get("parser_classes") is not None:
                views.append(type("Action", (), {"parser_classes": kwargs["parser_classes"]}))
        for view in views:
            json_parsers = [p for p in view.parser_classes if "json" in p.media_type]
            assert all(issubclass(p, JSONParser) for p in json_parsers), (pattern.name, view)


# --------------------------------------------------------------------------- anonymous


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/auth/sms-code/"])
@pytest.mark.parametrize("name", sorted(BODIES))
def test_anonymous_endpoints_answer_400_in_the_error_shape(client, path, name):
    response = client.post(path, BODIES[name], content_type="application/json")
    assert response.status_code == 400, (path, name, response.status_code)
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.django_db
def test_the_signup_endpoint_too(client):
    for name, body in BODIES.items():
        response = client.post("/api/v1/auth/signup/", body, content_type="application/json")
        assert response.status_code == 400, name
        assert response.json()["error"]["code"] == "parse_error", name


# --------------------------------------------------------------------------- every endpoint


def _api_routes_without_ids():
    """API routes whose path has no parameter (collections, actions on the caller)."""
    out = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith("api/v1/") and not re.search(r"[<(]", route):
                    out.append("/" + route.replace("^", "").replace("$", "").replace("\\", ""))

    walk(get_resolver().url_patterns)
    return sorted(set(out))


OWNERS = ("official_b", "principal_b1", "principal_b2", "parent_b1", "parent_b2")


@pytest.mark.django_db
def test_every_json_endpoint_answers_4xx_to_malformed_bodies(world):
    """Each API write route (with district b's objects, as the people of district b who
    own them) and each collection route, with every bad body: never a 500."""
    routes = [
        url
        for name, (method, url) in _foreign_routes(world).items()
        if url.startswith("/api/") and method in WRITES
    ]
    routes += _api_routes_without_ids()
    assert len(routes) > 60
    clients = []
    for key in OWNERS:
        client = APIClient()
        client.force_authenticate(world.users[key])
        clients.append((key, client))
    for url in routes:
        for key, client in clients:
            for name in ("deep array", "empty array", "string", "number"):
                for method in ("post", "patch"):
                    response = getattr(client, method)(
                        url, BODIES[name], content_type="application/json"
                    )
                    _assert_4xx(response, (url, key, name, method))


@pytest.mark.django_db
def test_a_valid_json_object_still_works(world):
    client = APIClient()
    client.force_authenticate(world.users["official_a"])
    body = {
        "district": str(world.a.public_id),
        "name": "2027春季学期",
        "start_date": "2027-02-22",
        "end_date": "2027-07-02",
    }
    response = client.post("/api/v1/semesters/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_a_bad_request_outside_the_views_is_the_error_shape_too(client):
    """Django's own 400 (here: a Host header not allowed) under /api/ is JSON as well."""
    response = client.get("/api/v1/me/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    page = client.get("/accounts/login/", HTTP_HOST="evil.example.com")
    assert page.status_code == 400 and "text/html" in page["Content-Type"]

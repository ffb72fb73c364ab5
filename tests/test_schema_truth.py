"""The OpenAPI schema tells the truth (issue 14): times as written ("16:40"), the error answers
of every operation documented, and a query parameter with a bad value is a 400 — never
silently ignored (``status=bogus`` used to return everything)."""

import re
from functools import cache

import pytest
from drf_spectacular.generators import SchemaGenerator

from aftercare.schema import HHMM, ISO_TIME

pytestmark = pytest.mark.django_db

BOGUS = {"string": "bogus-值", "integer": "x1", "number": "x1", "boolean": "maybe"}


@cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations():
    for path, item in _schema()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_no_time_is_documented_as_rfc3339_time():
    nodes = list(_walk(_schema()))
    assert not [n for n in nodes if n.get("format") == "time"]
    patterns = {n["pattern"] for n in nodes if n.get("pattern") in (HHMM, ISO_TIME)}
    assert HHMM in patterns  # plans' periods: "16:40"
    assert re.fullmatch(HHMM, "16:40") and not re.fullmatch(HHMM, "16:40:00")
    assert re.fullmatch(ISO_TIME, "16:40:00") and re.fullmatch(ISO_TIME, "16:40")


def test_every_operation_documents_its_errors():
    missing = []
    for path, method, operation in _operations():
        codes = set(operation["responses"])
        secured = all(operation.get("security", [{}]))
        wanted = set()
        if secured:
            wanted |= {"401", "403"}
        if "{" in path:
            wanted.add("404")
        if "requestBody" in operation or any(
            p["in"] == "query" for p in operation.get("parameters", [])
        ):
            wanted.add("400")
        if wanted - codes:
            missing.append(f"{method.upper()} {path}: {sorted(wanted - codes)}")
    assert not missing, missing


def _bad_query_cases():
    """Every list operation's query parameter that has a type or an enum, with a bad value."""
    cases = []
    for path, method, operation in _operations():
        if method != "get" or "{" in path:
            continue
        for param in operation.get("parameters", []):
            schema = param.get("schema", {})
            if param.get("in") != "query" or param["name"] in ("page", "format"):
                continue
            if (
                "enum" in schema
                or schema.get("format") in ("uuid", "date")
                or schema.get("type") in ("integer", "number", "boolean")
            ):
                value = BOGUS.get(schema.get("type", "string"), "bogus")
                if schema.get("type") == "array":
                    value = "bogus"
                cases.append((path, param["name"], value))
    return cases


@pytest.mark.parametrize("user_key", ["official_a", "principal_a1", "parent_a1"])
def test_a_bad_query_parameter_is_a_400_not_ignored(world, api, user_key):
    client = api(world.users[user_key])
    cases = _bad_query_cases()
    assert len(cases) > 20
    ignored = []
    for path, name, value in cases:
        url = path.replace("{", "").replace("}", "")
        response = client.get(url, {name: value})
        if response.status_code == 200:
            ignored.append(f"{path}?{name}={value}")
        else:
            assert response.status_code in (400, 403, 404), (path, name, response.status_code)
            if response.status_code == 400:
                assert response.json()["error"]["code"], (path, name)
    assert not ignored, ignored

"""Every page needs a login: walk all URL patterns and request each anonymously."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {"login", "healthz"}


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield pattern.name, prefix + str(pattern.pattern)


def concrete(route: str) -> str:
    route = route.replace("<int:pk>", "1").replace("<slug:rule_id>", "sql-injection")
    return "/" + route.lstrip("^").rstrip("$")


ROUTES = sorted(set(walk(get_resolver().url_patterns)))
PROTECTED = [(name, route) for name, route in ROUTES if name not in PUBLIC]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route"), PROTECTED, ids=[n or r for n, r in PROTECTED])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_requests_are_sent_to_login(client, name, route, method):
    response = getattr(client, method)(concrete(route))
    assert response.status_code == 302, f"{route} answered {response.status_code}"
    assert response["Location"].startswith("/login/")


def test_the_walk_found_every_page():
    names = {name for name, _ in ROUTES}
    assert {"overview", "repository-list", "repository-detail", "finding-list",
            "finding-detail", "repository-review"} <= names


@pytest.mark.django_db
def test_admin_requires_staff_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_health_check_is_public_and_checks_the_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}

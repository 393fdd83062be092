"""Every URL pattern of the project × every role: who gets in, who is turned away.

Each issue that adds URLs adds rows (see CORE_RULES and app_rules()). A URL pattern without
a row fails the suite, so nothing ships without a decision about who may open it.
Third-party trees (Wagtail admin, Django admin) are walked too, but only their
parameter-free pages are requested.
"""

from __future__ import annotations

import importlib
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

ANONYMOUS = "anonymous"
STAFF = frozenset(
    {
        "coordinator",
        "advocate",
        "advocate_other",
        "officer",
        "prosecutor",
        "analyst",
        "youth_lead",
        "administrator",
        "no_role",
    }
)
EVERYONE = STAFF | {ANONYMOUS}
COORDINATOR = frozenset({"coordinator"})
ADMINISTRATOR = frozenset({"administrator"})
NOBODY: frozenset[str] = frozenset()

# (regular expression over the full route, who may open it). First match wins. Each app adds
# its own rows in heatwatch/<app>/tests/authz_rules.py (a list named RULES, built from the role
# sets above), collected by app_rules() below; these are the project-wide ones.
CORE_RULES: list[tuple[str, frozenset[str]]] = [
    (r"^healthz$", EVERYONE),
    # staff area: any signed-in, two-factor-verified account
    (r"^staff/account/login/$", EVERYONE),
    (r"^staff/logout/$", EVERYONE),  # POST-only; 405 for a GET by anyone
    (r"^staff/account/two_factor/qrcode/$", NOBODY),  # only inside the set-up wizard
    (r"^staff/account/", STAFF),
    (r"^staff/admin/logout/$", STAFF),
    # the audit log is read-only for everyone (heatwatch/audit/admin.py)
    (r"^staff/admin/audit/auditentry/add/$", NOBODY),
    (r"^staff/admin/", ADMINISTRATOR),
    (r"^staff/", STAFF),
    # content editing
    (r"^cms/login/$", NOBODY),  # always redirects to the two-factor login
    (r"^cms/password_reset/", NOBODY),  # disabled: passwords are managed in the staff area
    (r"^cms/", COORDINATOR),
    # API
    (r"^api/me$", STAFF),
    (r"^api/(openapi\.json|docs)?$", EVERYONE),
    (r"^\^api/\(\?P<rest>", NOBODY),  # JSON 404 for any other path under /api/
    # public documents served by Wagtail (Wagtail applies collection privacy itself)
    (r"^documents/", EVERYONE),
    # Wagtail's front-end helpers: password form of a private page; login is replaced
    (r"^(es/)?_util/login/$", NOBODY),
    (r"^(es/)?_util/authenticate_with_password/", EVERYONE),
    # public pages served by Wagtail (English and /es/)
    (r"^(es/)?\^?\(\(\?:\[\\w\\-\]\+/\)\*\)\$$", EVERYONE),
]


def app_rules() -> list[tuple[str, frozenset[str]]]:
    rules: list[tuple[str, frozenset[str]]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("heatwatch."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.authz_rules")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests", f"{config.name}.tests.authz_rules"):
                raise
            continue
        rules += module.RULES
    return rules


OWN_TREES = ("heatwatch.",)
# Routes never requested: Wagtail's deliberate-500 test page.
# Routes never requested: Wagtail's deliberate-500 test page, and sign-out links that would end
# the persona's session for the rest of the walk (sign-out is tested in accounts).
# Some need query parameters or objects and are exercised by their own tests.
NOT_REQUESTED = {
    "cms/failwhale/",
    "cms/logout/",
    "cms/block-preview/",
    "staff/admin/autocomplete/",
}


@dataclass
class Route:
    route: str
    callback: object
    module: str

    @property
    def own(self) -> bool:
        return self.module.startswith(OWN_TREES)


def walk(patterns, prefix: str = "") -> list[Route]:
    routes: list[Route] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            routes += walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            cb = p.callback
            module = getattr(cb, "__module__", "") or ""
            view_class = getattr(cb, "view_class", None)
            if view_class is not None:
                module = view_class.__module__
            routes.append(Route(prefix + str(p.pattern), cb, module))
    return routes


def all_routes() -> list[Route]:
    return walk(get_resolver().url_patterns)


def rule_for(route: str) -> frozenset[str] | None:
    for pattern, allowed in app_rules() + CORE_RULES:
        if re.search(pattern, route):
            return allowed
    return None


_CONVERTERS = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.UUID(int=1))}


def concrete_url(route: str) -> str | None:
    """A URL that resolves to ``route``, with dummy parameters; None when not derivable."""
    url = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    url = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _CONVERTERS.get(m.group(1) or "str", "x"), url)
    url = url.lstrip("^").rstrip("$").replace(r"\Z", "")
    if re.search(r"[()\[\]*+?\\|{}^$]", url):
        return None
    return "/" + url


def test_every_url_pattern_has_a_row():
    missing = [r.route for r in all_routes() if rule_for(r.route) is None]
    assert not missing, "Add authorization rows (an app's tests/authz_rules.py) for: " + ", ".join(
        missing
    )


def test_every_own_url_pattern_can_be_requested():
    untestable = [r.route for r in all_routes() if r.own and concrete_url(r.route) is None]
    assert not untestable, f"cannot build a URL for {untestable}"


def _denied(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    if response.status_code in (301, 302):
        location = urlsplit(response["Location"]).path
        return location.endswith("/login/") or location in (
            "/staff/account/two_factor/setup/",
            "/staff/account/two_factor/enrolment-needed/",
        )
    return False


@pytest.fixture
def clients(personas, client_factory):
    from heatwatch.conftest import login_verified

    result = {ANONYMOUS: client_factory()}
    for name, user in personas.by_name().items():
        result[name] = login_verified(client_factory(), user)
    return result


@pytest.fixture
def client_factory():
    from django.test import Client

    return lambda: Client(raise_request_exception=False)


@pytest.mark.django_db
def test_authorization_matrix(clients):
    failures = []
    checked = 0
    for route in all_routes():
        allowed = rule_for(route.route)
        url = concrete_url(route.route)
        if allowed is None or url is None or route.route in NOT_REQUESTED:
            continue
        has_params = "<" in route.route or "(?P" in route.route
        if not route.own and has_params:
            continue  # third-party pages need real objects; their tree root is checked
        try:
            if resolve(url).route is None:
                continue
        except Resolver404:
            continue
        for persona, client in clients.items():
            response = client.get(url)
            checked += 1
            denied = _denied(response)
            if persona in allowed:
                # A dummy id may legitimately 404 for someone who is allowed in.
                ok = not denied or (has_params and response.status_code == 404)
            else:
                ok = denied
            ok = ok and response.status_code < 500
            if not ok:
                where = response.get("Location", "")
                failures.append(
                    f"{url} as {persona}: {response.status_code} {where} "
                    f"(expected {'allow' if persona in allowed else 'deny'})"
                )
    assert checked > 100
    assert not failures, "\n".join(failures)

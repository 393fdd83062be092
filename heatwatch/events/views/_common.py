"""What the public views of events share: the purposes of their signed form tokens and the
check of a public post (a form token and the origin, no cookie), as the tip form checks it."""

from __future__ import annotations

from django.http import HttpRequest

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import role_required
from heatwatch.core.csrf import (
    FORM_TOKEN_FIELD,
    FormTokenError,
    FormTokenExpired,
    form_token_read,
    posted_from_another_site,
)

REGISTER_FORM = "events.register"
MANAGE_FORM = "events.manage"
REQUEST_FORM = "events.training_request"
REQUEST_MANAGE_FORM = "events.training_request.manage"
ACCEPT_FORM = "events.hold.accept"
SURVEY_FORM = "events.survey"


def _post_refused(request: HttpRequest, *, purpose: str) -> str:
    """Why a public post is refused ("" when it is not): ``cross-site``, ``expired`` or
    ``invalid`` (missing, forged or for another form), as the tip form checks it."""
    if getattr(request, "_dont_enforce_csrf_checks", False):
        return ""  # Django's test client without enforce_csrf_checks, as CsrfViewMiddleware
    if posted_from_another_site(request):
        return "cross-site"
    try:
        form_token_read(str(request.POST.get(FORM_TOKEN_FIELD, "")), purpose=purpose)
    except FormTokenExpired:
        return "expired"
    except FormTokenError:
        return "invalid"
    return ""


coordinator_only = role_required(Role.COORDINATOR)

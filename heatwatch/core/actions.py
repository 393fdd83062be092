"""One action form posted from a detail page (tips, cases): the shared request handling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from heatwatch.lib.versioning import StaleEdit


def run_form_action(
    request: HttpRequest,
    *,
    form: Form,
    action: Callable[[dict[str, Any]], str],
    errors: type[Exception] | tuple[type[Exception], ...],
    success_url: str,
    render_invalid: Callable[[Form], HttpResponse],
) -> HttpResponse:
    """Validate ``form``, run ``action`` with its data and redirect with the message it
    returns; a bad form, or a domain error (``errors``) raised by the action, is shown on the
    page again with what was typed (``render_invalid``). A concurrent edit (a
    ``lib.versioning.StaleEdit``) is shown the same way, answered 409 Conflict."""
    stale = False
    if form.is_valid():
        try:
            message = action(form.cleaned_data)
        except errors as exc:
            form.add_error(None, str(exc))
            stale = isinstance(exc, StaleEdit)
        else:
            messages.success(request, message)
            return redirect(success_url)
    response = render_invalid(form)
    if stale:
        response.status_code = StaleEdit.http_status
    return response


def invalid_status(error: Exception | None) -> int:
    """The status of a form shown again: 409 after a concurrent edit, else 400."""
    return StaleEdit.http_status if isinstance(error, StaleEdit) else 400

"""One action form posted from a detail page (tips, cases): the shared request handling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


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
    page again with what was typed (``render_invalid``)."""
    if form.is_valid():
        try:
            message = action(form.cleaned_data)
        except errors as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, message)
            return redirect(success_url)
    return render_invalid(form)

"""``{% mailing_form_token "mailing.subscribe" %}``: the cookie-free token of a public form."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from heatwatch.core.csrf import FORM_TOKEN_FIELD, form_token_issue

register = template.Library()


@register.simple_tag
def mailing_form_token(purpose: str) -> SafeString:
    """A hidden field with a new signed token for the form named ``purpose``."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">',
        FORM_TOKEN_FIELD,
        form_token_issue(purpose=purpose),
    )

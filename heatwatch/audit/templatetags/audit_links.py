"""``{% who_saw_link "cases.case" case.pk %}``: the "who saw this record" link, for the pages of
apps above audit (cases, tips) to include. Shown only to those who may read the audit log."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from heatwatch.audit.permissions import can_read_audit_log

register = template.Library()


@register.inclusion_tag("audit/_who_saw_link.html", takes_context=True)
def who_saw_link(context: dict[str, Any], object_type: str, object_id: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else context.get("user")
    if not can_read_audit_log(user):
        return {"url": ""}
    query = urlencode({"record_type": object_type, "record_id": str(object_id)})
    return {"url": f"{reverse('audit:log')}?{query}"}

"""The audit viewer's filter form (GET): every field optional, every value bounded."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.selectors import AuditQuery

# The records a coordinator asks about most; any other type is typed as app_label.modelname.
RECORD_TYPES = [
    ("", _("Any record")),
    ("cases.case", _("Case")),
    ("tips.tip", _("Tip")),
    ("identity.person", _("Identity (person)")),
    ("accounts.user", _("Staff account")),
]


class AuditFilterForm(forms.Form):
    person = forms.CharField(
        label=_("Person (username)"), required=False, max_length=150, strip=True
    )
    record_type = forms.ChoiceField(label=_("Record"), required=False, choices=RECORD_TYPES)
    record_id = forms.CharField(
        label=_("Record number"),
        required=False,
        max_length=64,
        strip=True,
        help_text=_("The number in the record's address, e.g. 42 for /staff/cases/42/."),
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *Action.choices]
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any outcome")), *Outcome.choices]
    )
    since = forms.DateField(
        label=_("From (date)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("To (date, included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        if data.get("record_id") and not data.get("record_type"):
            self.add_error("record_type", _("Choose what kind of record the number is."))
        return data

    def query(self) -> AuditQuery:
        """The selector's query for the cleaned form."""
        data = self.cleaned_data
        person = data.get("person") or ""
        actor_ids: tuple[int, ...] | None = None
        if person:
            ids = tuple(User.objects.filter(username__iexact=person).values_list("pk", flat=True))
            actor_ids = ids or None  # an unknown (perhaps deleted) account: by its name then
        zone = timezone.get_current_timezone()

        def start(day: Any) -> datetime | None:
            return datetime.combine(day, time.min, tzinfo=zone) if day else None

        until = data.get("until")
        return AuditQuery(
            actor_ids=actor_ids,
            actor_username=person if actor_ids is None else "",
            object_type=data.get("record_type") or "",
            object_id=data.get("record_id") or "",
            action=data.get("action") or "",
            outcome=data.get("outcome") or "",
            since=start(data.get("since")),
            until=start(until + timedelta(days=1)) if until else None,
        )

"""Forms of the meeting pages. They parse and validate input; services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heatwatch.accounts.models import Membership, User
from heatwatch.cases.forms import DATETIME_FORMATS, CasePageForm, DateInput, DateTimeInput
from heatwatch.cases.models import Case
from heatwatch.meetings.models import Meeting
from heatwatch.meetings.permissions import MEETING_ROLES


class MeetingForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        initial=_("Weekly MDT case review"),
        help_text=_("Do not name a youth here: the name appears in lists and on every page."),
    )
    location = forms.CharField(
        label=_("Where"),
        max_length=200,
        required=False,
        help_text=_("A room, or how to join the call."),
    )
    scheduled_start = forms.DateTimeField(
        label=_("Starts at"), input_formats=DATETIME_FORMATS, widget=DateTimeInput()
    )


class VersionForm(CasePageForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AgendaAddForm(VersionForm):
    reference = forms.CharField(
        label=_("Case reference"), max_length=20, help_text=_("For example C-2026-004211.")
    )


class ProposeForm(VersionForm):
    limit = forms.IntegerField(
        label=_("How many cases at most"), min_value=1, max_value=50, initial=12
    )


class MoveForm(VersionForm):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class NotesForm(VersionForm):
    notes = forms.CharField(
        label=_("Discussion notes"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MembershipChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user} — {obj.get_role_display()}, {obj.organisation.name}"


class InviteForm(CasePageForm):
    membership = MembershipChoice(
        label=_("Person and the organisation they represent"), queryset=Membership.objects.none()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.filter(
                is_active=True,
                role__in=list(MEETING_ROLES),
                user__is_active=True,
                organisation__is_active=True,
            )
            .select_related("user", "organisation")
            .order_by("user__username", "organisation__name")
        )


class AttendanceForm(CasePageForm):
    attended = forms.TypedChoiceField(
        choices=[("yes", _("Present")), ("no", _("Absent"))], coerce=lambda v: v == "yes"
    )


class CaseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.reference)


class ActionItemForm(CasePageForm):
    case = CaseChoice(label=_("Case"), queryset=Case.objects.none())
    description = forms.CharField(
        label=_("What was decided"),
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due"), widget=DateInput())

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.filter(  # type: ignore[attr-defined]
            mdt_agenda__meeting=meeting
        ).order_by("mdt_agenda__position")
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                is_active=True,
                memberships__is_active=True,
                memberships__role__in=list(MEETING_ROLES),
            )
            .distinct()
            .order_by("username")
        )

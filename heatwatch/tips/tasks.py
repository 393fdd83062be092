"""Background work for tips: notifications and the periodic escalation and retention jobs.

E-mails never contain tip content: only the reference and a link, because mailboxes are
less protected than the platform.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django_tasks import task

from heatwatch.accounts.models import Organisation, Role, User
from heatwatch.accounts.selectors import users_with_role
from heatwatch.lib.links import absolute_url
from heatwatch.tips import services
from heatwatch.tips.models import Tip, TipReferral


def _coordinators(*, on_call_only: bool) -> list[User]:
    users = users_with_role(role=Role.COORDINATOR)
    if on_call_only:
        on_call = users.filter(memberships__role=Role.COORDINATOR, memberships__on_call=True)
        if on_call.exists():
            return list(on_call.distinct())
    return list(users)


def _send(users: list[User], subject: str, body: str) -> None:
    recipients = sorted({u.email for u in users if u.email})
    if recipients:
        send_mail(subject, body, None, recipients)


@task()
def notify(*, tip_id: int, kind: str, organisation_id: int | None = None) -> None:
    """E-mail the people who must act on a tip event. Safe to run twice (at worst, twice)."""
    tip = Tip.objects.filter(pk=tip_id).first()
    if tip is None:
        return
    link = absolute_url(reverse("tips:detail", args=[tip.pk]))
    program = settings.HEATWATCH_PROGRAM["name"]
    if kind == "urgent_tip":
        _send(
            _coordinators(on_call_only=True),
            f"[{program}] Urgent tip {tip.reference} needs triage",
            f"A tip marked {tip.get_urgency_display()} arrived. Open it here:\n{link}\n",
        )
    elif kind == "escalation":
        _send(
            _coordinators(on_call_only=False),
            f"[{program}] ESCALATED: urgent tip {tip.reference} not triaged",
            f"The urgent tip {tip.reference} has not been triaged in time. Open it here:\n{link}\n",
        )
    elif kind == "reply_overdue":
        people = _coordinators(on_call_only=False)
        if tip.assignee is not None:
            people.append(tip.assignee)
        _send(
            people,
            f"[{program}] Tipster waiting for an answer on {tip.reference}",
            f"The tipster of {tip.reference} has not been answered in time. Open it here:\n"
            f"{link}\n",
        )
    elif kind == "recovered" and organisation_id is not None:
        referral = (
            TipReferral.objects.filter(tip=tip, organisation_id=organisation_id)
            .select_related("organisation")
            .first()
        )
        if referral is not None:
            intake = absolute_url(reverse("tips:recovery_intake", args=[tip.pk, referral.pk]))
            _send(
                _coordinators(on_call_only=False),
                f"[{program}] Youth recovered on tip {tip.reference}: open the case intake",
                f"{referral.organisation.name} recorded that the youth of tip {tip.reference} "
                f"was recovered. Open the case intake here:\n{intake}\n",
            )
    elif kind == "referral_escalation" and organisation_id is not None:
        agency = Organisation.objects.filter(pk=organisation_id).first()
        _send(
            _coordinators(on_call_only=False),
            f"[{program}] ESCALATED: urgent tip {tip.reference} not acknowledged by "
            f"{agency.name if agency else 'the agency'}",
            f"The urgent tip {tip.reference} was referred and the agency has not acknowledged "
            f"it in time. Open it here:\n{link}\n",
        )
    elif kind == "referral" and organisation_id is not None:
        agency = Organisation.objects.filter(pk=organisation_id).first()
        if agency is not None:
            _send(
                list(users_with_role(role=Role.OFFICER, organisations=[agency])),
                f"[{program}] Tip {tip.reference} referred to {agency.name}",
                f"A tip was referred to your agency. Open it here:\n{link}\n",
            )


@task()
def escalate_untriaged() -> None:
    """Periodic: escalate urgent tips not triaged in time."""
    services.escalate_untriaged()


@task()
def escalate_unacknowledged_referrals() -> None:
    """Periodic: escalate urgent referrals the agency has not acknowledged in time."""
    services.escalate_unacknowledged_referrals()


@task()
def alert_overdue_replies() -> None:
    """Periodic: alert when a tipster waits longer than the reply deadline."""
    services.alert_overdue_replies()


@task()
def purge_closed_tips() -> None:
    """Periodic: purge closed tips past retention, keeping anonymous counts."""
    services.purge_closed_tips()

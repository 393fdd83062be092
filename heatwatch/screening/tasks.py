"""Background work for screening: telling the coordinators that a screening was referred.

The e-mail carries the screening's reference and a link, never anything about the youth."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django_tasks import task

from heatwatch.accounts.models import Role
from heatwatch.accounts.selectors import users_with_role
from heatwatch.lib.links import absolute_url
from heatwatch.screening.models import ScreeningResult


@task()
def notify_referral(*, result_id: int) -> None:
    """E-mail the coordinators about a referred screening (safe to run twice: at worst twice)."""
    result = ScreeningResult.objects.filter(pk=result_id, referred_at__isnull=False).first()
    if result is None or result.case_id is not None:
        return
    program = settings.HEATWATCH_PROGRAM["name"]
    link = absolute_url(reverse("screening:intake", args=[result.pk]))
    recipients = sorted({u.email for u in users_with_role(role=Role.COORDINATOR) if u.email})
    if recipients:
        send_mail(
            f"[{program}] Screening {result.reference}: clear concern, intake needed",
            "A professional referred a screening with a clear concern. Open the intake here:\n"
            f"{link}\n",
            None,
            recipients,
        )

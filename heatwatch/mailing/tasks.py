"""Background work for the mailing list (thin: load by id, call a service)."""

from __future__ import annotations

from django_tasks import task

from heatwatch.mailing import emails, selectors, sending, services
from heatwatch.mailing.models import Subscriber, SubscriberStatus


@task()
def send_signup_mail(*, subscriber_id: int) -> None:
    """The confirmation (or "already subscribed") e-mail of a sign-up."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.status == SubscriberStatus.SUPPRESSED:
        return
    emails.signup_message(subscriber=subscriber).send()


@task()
def send_welcome_mail(*, subscriber_id: int) -> None:
    """The welcome e-mail, once confirmed (not if they unsubscribed in between)."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.status != SubscriberStatus.CONFIRMED:
        return
    emails.welcome_message(subscriber=subscriber).send()


@task()
def send_newsletter(*, newsletter_id: int) -> None:
    """Send a newsletter to every recipient not yet sent to (exactly once; see sending.py)."""
    sending.send_newsletter(newsletter_id=newsletter_id)


@task()
def resume_sending() -> None:
    """Periodic: start a worker on every newsletter still sending, so one whose worker was
    killed is finished (a worker whose claim is still live keeps its rows; sending.py)."""
    for newsletter_id in selectors.newsletters_sending():
        send_newsletter.enqueue(newsletter_id=newsletter_id)


@task()
def purge_unconfirmed() -> None:
    """Periodic: delete addresses never confirmed within HEATWATCH_MAILING_PENDING_PURGE_DAYS."""
    services.purge_unconfirmed()

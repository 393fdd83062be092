"""Background work for the mailing list (thin: load by id, call a service)."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from heatwatch.mailing import emails, selectors, sending, services
from heatwatch.mailing.models import Newsletter, Subscriber, SubscriberStatus


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


@task()
def send_test_copy(*, newsletter_id: int, user_id: int, language: str) -> None:
    """A coordinator's test copy of a newsletter, to their own address."""
    from heatwatch.accounts.models import User

    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if newsletter is None or user is None or not user.email:
        return
    emails.preview_message(newsletter=newsletter, to=user.email, language=language).send()


@task()
def send_scheduled() -> None:
    """Periodic: start the scheduled newsletters whose time has come."""
    services.newsletters_start_scheduled()


@task()
def notify_coordinators(*, subscriber_id: int) -> None:
    """Tell the coordinators someone confirmed a subscription (when the setting is on). The
    message says which interests and language, never the address."""
    from heatwatch.accounts.models import Role
    from heatwatch.accounts.selectors import users_with_role

    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not settings.HEATWATCH_MAILING_NOTIFY_COORDINATORS:
        return
    addresses = list(
        users_with_role(role=Role.COORDINATOR).exclude(email="").values_list("email", flat=True)
    )
    if addresses:
        emails.new_subscriber_notice(subscriber=subscriber, to=addresses).send()

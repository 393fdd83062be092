"""Organisations, people who work in them, and their roles.

A user holds one or more memberships; each membership gives one role in one organisation.
Everything a user may do is derived from their active memberships (see permissions.py).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from heatwatch.lib.fields import EncryptedTextField


class OrganisationType(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    PROSECUTION = "prosecution", _("Prosecution")
    PROBATION = "probation", _("Probation")
    SOCIAL_SERVICES = "social_services", _("Social services")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    HEALTH = "health", _("Health")
    SCHOOL = "school", _("School")
    COMMUNITY = "community", _("Community organisation")
    COORDINATING_OFFICE = "coordinating_office", _("Coordinating office")


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Program coordinator")
    OFFICER = "officer", _("Law-enforcement officer")
    ADVOCATE = "advocate", _("Advocate / case manager")
    PROSECUTOR = "prosecutor", _("Prosecutor / victim-witness advocate")
    ANALYST = "analyst", _("Analyst")
    YOUTH_LEAD = "youth_lead", _("Youth ambassador / club lead")
    ADMINISTRATOR = "administrator", _("Administrator")


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    type = models.CharField(max_length=32, choices=OrganisationType.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _language_choices() -> list[tuple[str, str]]:
    from django.conf import settings

    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _new_session_epoch() -> str:
    return secrets.token_hex(16)


class User(AbstractUser):  # type: ignore[django-manager-missing]
    """A person with an account: every account is staff of some organisation.

    ``session_epoch`` is mixed into the session hash: changing it ends every session of the
    user at once ("log out everywhere", disabling an account).
    """

    email = models.EmailField(_("email address"), unique=True)
    # The language of the staff area and of e-mails to the user; blank: the installation's first.
    language = models.CharField(
        _("language"), max_length=8, blank=True, default="", choices=_language_choices
    )
    # lib.versioning: an administrator's edit of the account made from a stale form is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    session_epoch = models.CharField(max_length=32, default=_new_session_epoch, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        return salted_hmac(
            "heatwatch.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    # Coordinators on call get urgent alerts (new urgent tips, escalations) by e-mail.
    on_call = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class TOTPAuthenticator(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP) whose seed is stored encrypted with the field keys.

    django-otp's own ``TOTPDevice`` keeps the seed as plain hex, so a database copy would hold
    every staff member's second factor. This device has the same fields and behaviour (its
    methods are django-otp's own) but ``key`` is an :class:`EncryptedTextField`: AES-GCM with
    the rotatable HEATWATCH_FIELD_KEYS, re-encrypted by ``heatwatch keys rotate`` like every
    other encrypted field. django-otp finds it as one of the user's devices; the login asks a
    code of the one named "default".
    """

    key: Any = EncryptedTextField(default=default_key)  # the seed, hex, as TOTPDevice.key
    step: Any = models.PositiveSmallIntegerField(default=30)
    t0: Any = models.BigIntegerField(default=0)
    digits: Any = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance: Any = models.PositiveSmallIntegerField(default=1)
    drift: Any = models.SmallIntegerField(default=0)
    last_t: Any = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")

    # django-otp's TOTP logic, unchanged: it only reads the attributes above.
    bin_key = TOTPDevice.bin_key
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings


class EnrolmentLink(models.Model):
    """A one-time, expiring link an administrator issues so a user can set up two-factor.

    Without one, a password alone never reaches the authenticator setup. Only a keyed hash of
    the link's token is stored, so the database does not hold usable links either.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"enrolment link for {self.user} (until {self.expires_at:%Y-%m-%d %H:%M})"

"""The partner service directory: what partner organisations offer, for whom, and whether they
can take a referral now.

Modelled on the Open Referral Human Services Data Specification (HSDS 3.0): our
``accounts.Organisation`` is the HSDS *organization*, a ``Service`` is an HSDS *service* with its
location, phone, schedule, eligibility, languages and service areas folded into one row (plus two
small child tables for the lists), so the directory can be exported to and imported from HSDS
JSON (heatwatch/directory/hsds.py, docs/directory.md).

Nothing here is a youth's data: these are organisations' public and staff-facing contact details,
so no field is encrypted. A shelter's street address can still be confidential
(``address_confidential``): it is then shown to staff only.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    CRISIS_LINE = "crisis_line", _("Crisis line")
    SHELTER = "shelter", _("Shelter and placement")
    MEDICAL = "medical", _("Medical care")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    ADVOCACY = "advocacy", _("Rape-crisis and victim advocacy")
    LEGAL = "legal", _("Legal help")
    EDUCATION = "education", _("Education")
    EMPLOYMENT = "employment", _("Employment and job training")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    FAMILY_SUPPORT = "family_support", _("Family support")
    BASIC_NEEDS = "basic_needs", _("Basic needs (food, clothing, transport)")
    MENTORING = "mentoring", _("Survivor mentoring and peer support")
    CASE_MANAGEMENT = "case_management", _("Case management")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    """Who a service is for. A youth of gender X fits services marked ANY or X."""

    ANY = "any", _("Any gender")
    FEMALE = "female", _("Girls and young women")
    MALE = "male", _("Boys and young men")
    LGBTQ = "lgbtq", _("LGBTQ+ youth")


class Availability(models.TextChoices):
    """Whether a service can take a referral now (selectors.service_availability)."""

    OPEN = "open", _("Accepting referrals")
    WAITLIST = "waitlist", _("Waitlist")
    FULL = "full", _("Full")
    INACTIVE = "inactive", _("No longer offered")


# Languages offered in the forms: (ISO 639 code, name). Imports may bring other valid codes;
# the edit form keeps them (forms.ServiceForm).
LANGUAGES: list[tuple[str, str | Promise]] = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("zh", _("Chinese")),
    ("vi", _("Vietnamese")),
    ("tl", _("Tagalog")),
    ("ko", _("Korean")),
    ("ar", _("Arabic")),
    ("ru", _("Russian")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("hi", _("Hindi")),
    ("pa", _("Punjabi")),
    ("so", _("Somali")),
    ("ht", _("Haitian Creole")),
    ("ase", _("American Sign Language")),
]
LANGUAGE_NAMES = dict(LANGUAGES)

MAX_AGE = 120


class Service(models.Model):
    """One service of one partner organisation (an HSDS *service*)."""

    # HSDS identifier: stable across export and import, so re-importing updates, not duplicates.
    hsds_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("Name of the service"), max_length=200)
    description = models.TextField(_("What the service does"), max_length=4000, blank=True)
    category = models.CharField(_("Category"), max_length=32, choices=Category.choices)

    # Eligibility
    min_age = models.PositiveSmallIntegerField(
        _("Youngest age served"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_AGE)],
    )
    max_age = models.PositiveSmallIntegerField(
        _("Oldest age served"), null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    gender = models.CharField(
        _("Gender served"), max_length=10, choices=Gender.choices, default=Gender.ANY
    )
    eligibility_description = models.TextField(_("Other eligibility"), max_length=2000, blank=True)

    # When
    hours = models.TextField(_("Hours"), max_length=1000, blank=True)
    open_24_7 = models.BooleanField(_("Open 24 hours, 7 days a week"), default=False)

    # Public intake: how a youth, a family or a professional gets help.
    intake_phone = models.CharField(_("Intake phone"), max_length=40, blank=True)
    intake_email = models.EmailField(_("Intake e-mail"), blank=True)
    intake_url = models.URLField(_("Web page"), blank=True)
    application_process = models.TextField(_("How to get help"), max_length=2000, blank=True)

    # Staff only
    referral_contact = models.TextField(
        _("Contact for professional referrals"), max_length=1000, blank=True
    )
    staff_notes = models.TextField(_("Notes for partner staff"), max_length=4000, blank=True)

    # Where (an HSDS location with one physical address)
    address_1 = models.CharField(_("Street address"), max_length=200, blank=True)
    city = models.CharField(_("City"), max_length=100, blank=True)
    state_province = models.CharField(_("State"), max_length=50, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=20, blank=True)
    address_confidential = models.BooleanField(
        _("The address is confidential (shown to staff only)"), default=False
    )

    # Capacity: null capacity/available_slots means "not counted" (a crisis line).
    capacity = models.PositiveIntegerField(_("Capacity (places in total)"), null=True, blank=True)
    available_slots = models.PositiveIntegerField(_("Places open now"), null=True, blank=True)
    accepting_referrals = models.BooleanField(_("Accepting new referrals"), default=True)
    waitlist_open = models.BooleanField(_("Waitlist open"), default=False)
    waitlist_length = models.PositiveIntegerField(
        _("People on the waitlist"), null=True, blank=True
    )
    typical_wait_days = models.PositiveIntegerField(_("Typical wait (days)"), null=True, blank=True)
    capacity_updated_at = models.DateTimeField(null=True, blank=True)

    is_public = models.BooleanField(_("Show in the public directory"), default=False)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking of staff edits
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="service_unique_name"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=F("max_age")),
                name="service_age_range",
                violation_error_message=_("The youngest age cannot be above the oldest age."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True)
                | Q(available_slots__isnull=True)
                | Q(available_slots__lte=F("capacity")),
                name="service_slots_within_capacity",
                violation_error_message=_("More places open than the capacity."),
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "category"]),
            models.Index(fields=["is_public", "is_active", "category"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_address(self) -> bool:
        return bool(self.address_1 or self.city)


class ServiceLanguage(models.Model):
    """A language the service is offered in (HSDS *language*), by ISO 639 code."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(max_length=12)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="servicelanguage_unique")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return str(LANGUAGE_NAMES.get(self.code, self.code))


class ServiceArea(models.Model):
    """A place the service covers (HSDS *service_area*): a city, district or ZIP code.

    A service without areas serves the whole program area.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="servicearea_unique")
        ]

    def __str__(self) -> str:
        return self.name

"""Choice lists shared by the public page types (labels are translated chrome)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Point(models.TextChoices):
    """The five points of the model, in their canonical order (DESIGN.md §1)."""

    # "point" context: the same English word can mean something else elsewhere (e.g. an
    # organisation type "Prosecution" is a prosecutor's office, "Fiscalía" in Spanish).
    COMMUNITY = "community", pgettext_lazy("point", "Community")
    LAW_ENFORCEMENT = "law_enforcement", pgettext_lazy("point", "Law Enforcement")
    PROSECUTION = "prosecution", pgettext_lazy("point", "Prosecution")
    POLICY = "policy", pgettext_lazy("point", "Policy")
    SERVICES = "services", pgettext_lazy("point", "Services")


class ResourceKind(models.TextChoices):
    TEMPLATE = "template", _("Template")
    TRAINING = "training", _("Training")
    RESOURCE = "resource", _("Resource")
    OUTREACH = "outreach", _("Outreach material")
    DATA = "data", _("Data")


class Topic(models.TextChoices):
    RECOGNISING = "recognising", _("Recognising exploitation")
    TRAUMA = "trauma", _("Trauma-informed care")
    ONLINE = "online", _("Online safety")
    PREVENTION = "prevention", _("Prevention and youth")
    LAW = "law", _("Laws and protocols")
    COORDINATION = "coordination", _("Coordinated response")
    EVALUATION = "evaluation", _("Data and evaluation")


class Audience(models.TextChoices):
    EDUCATORS = "educators", _("Educators")
    HEALTH = "health", _("Health care workers")
    PARENTS = "parents", _("Parents and caregivers")
    YOUTH = "youth", _("Youth")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    PROVIDERS = "providers", _("Service providers")
    COMMUNITY = "community", _("Community members")
    PROGRAMS = "programs", _("Communities starting a program")


class RedFlagSetting(models.TextChoices):
    SCHOOL = "school", _("At school")
    HEALTH = "health", _("In health care")
    ONLINE = "online", _("Online")
    COMMUNITY = "community", _("In the community")
    HOME = "home", _("At home")


class PolicyKind(models.TextChoices):
    LAW = "law", _("Law")
    BILL = "bill", _("Bill")
    PROTOCOL = "protocol", _("Model protocol")


class PolicyStatus(models.TextChoices):
    INTRODUCED = "introduced", _("Introduced")
    IN_COMMITTEE = "in_committee", _("In committee")
    PASSED = "passed", _("Passed")
    ENACTED = "enacted", _("In effect")
    FAILED = "failed", _("Did not pass")
    MODEL = "model", _("Model for adoption")
    ADOPTED = "adopted", _("Adopted locally")


class PolicyTopic(models.TextChoices):
    SAFE_HARBOR = "safe_harbor", _("Safe harbor for youth")
    BUYERS = "buyers", _("Accountability for buyers and exploiters")
    RECORD_RELIEF = "record_relief", _("Record relief for survivors")
    REPORTING = "reporting", _("Reporting and identification")
    POSTING = "posting", _("Hotline posting duties")
    SERVICES = "services", _("Services and funding")
    COORDINATION = "coordination", _("Multidisciplinary response")


class Theme(models.TextChoices):
    """Header colours from the USWDS palette; each passes WCAG AA with white text."""

    BLUE_WARM_80V = "blue-warm-80v", _("Dark navy (USWDS blue-warm-80v)")
    BLUE_WARM_70V = "blue-warm-70v", _("Navy (USWDS blue-warm-70v)")
    BLUE_60V = "blue-60v", _("Blue (USWDS blue-60v)")
    RED_60V = "red-60v", _("Red (USWDS red-60v)")
    GRAY_90 = "gray-90", _("Near black (USWDS gray-90)")


THEME_COLOURS = {
    Theme.BLUE_WARM_80V: "#162e51",
    Theme.BLUE_WARM_70V: "#1a4480",
    Theme.BLUE_60V: "#005ea2",
    Theme.RED_60V: "#b50909",
    Theme.GRAY_90: "#1b1b1b",
}

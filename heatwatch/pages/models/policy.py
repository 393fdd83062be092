"""The policy tracker: laws, bills and model protocols, under the Policy point page (/policy/)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from heatwatch.pages.blocks import ContentBlock
from heatwatch.pages.models._base import LocalizedPage, localized_children
from heatwatch.pages.models.choices import Point, PolicyKind, PolicyStatus, PolicyTopic

POLICY_FILTERS: dict[str, type[models.TextChoices]] = {
    "kind": PolicyKind,
    "status": PolicyStatus,
    "topic": PolicyTopic,
}


def parse_policy_filters(request: HttpRequest) -> dict[str, str]:
    chosen = {}
    for name, choices in POLICY_FILTERS.items():
        value = request.GET.get(name, "")[:40]
        if value in choices.values:
            chosen[name] = value
    jurisdiction = request.GET.get("jurisdiction", "").strip()[:80]
    if jurisdiction:
        chosen["jurisdiction"] = jurisdiction
    return chosen


def tracker_context(page: Page, request: HttpRequest) -> dict[str, Any]:
    """The filtered list of laws, bills and protocols under the Policy point page."""
    filters = parse_policy_filters(request)
    qs = localized_children(page, PolicyItemPage)
    for name, value in filters.items():
        if name == "jurisdiction":
            qs = qs.filter(jurisdiction__iexact=value)
        else:
            qs = qs.filter(**{name: value})
    jurisdictions = sorted(
        set(localized_children(page, PolicyItemPage).values_list("jurisdiction", flat=True))
    )
    return {
        "policy_filters": filters,
        "policy_items": list(qs.order_by("kind", "jurisdiction", "number", "title")[:500]),
        "policy_filter_groups": [
            ("kind", PolicyKind.choices, filters.get("kind", ""), _("Type")),
            ("status", PolicyStatus.choices, filters.get("status", ""), _("Status")),
            ("topic", PolicyTopic.choices, filters.get("topic", ""), _("Topic")),
        ],
        "jurisdictions": jurisdictions,
    }


class PolicyItemPage(LocalizedPage):
    kind: models.CharField[str, str] = models.CharField(
        _("type"), max_length=20, choices=PolicyKind.choices
    )
    jurisdiction: models.CharField[str, str] = models.CharField(
        _("jurisdiction"), max_length=80, help_text=_("State, county or city.")
    )
    number: models.CharField[str, str] = models.CharField(
        _("number"), max_length=40, blank=True, help_text=_("For example AB 1234 or § 236.1.")
    )
    status: models.CharField[str, str] = models.CharField(
        _("status"), max_length=20, choices=PolicyStatus.choices
    )
    topic: models.CharField[str, str] = models.CharField(
        _("topic"), max_length=20, choices=PolicyTopic.choices
    )
    summary: models.TextField[str, str] = models.TextField(_("summary"), max_length=1000)
    link: models.URLField[str, str] = models.URLField(_("official text"), blank=True)
    effective_date: models.DateField[Any, Any] = models.DateField(
        _("effective date"), null=True, blank=True
    )
    body = StreamField(ContentBlock(), blank=True)

    content_panels = [
        *LocalizedPage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("jurisdiction"),
                FieldPanel("number"),
                FieldPanel("status"),
                FieldPanel("topic"),
                FieldPanel("effective_date"),
                FieldPanel("link"),
            ],
            heading=_("Tracker"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *LocalizedPage.search_fields,
        index.SearchField("summary"),
        index.SearchField("number"),
        index.SearchField("jurisdiction"),
        index.SearchField("body"),
    ]
    parent_page_types = ["pages.PointPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("law, bill or protocol")

    @classmethod
    def can_create_at(cls, parent: Page) -> bool:
        specific = parent.specific
        return bool(
            super().can_create_at(parent) and getattr(specific, "point", "") == Point.POLICY
        )

"""Newsletters in the CMS: a Wagtail snippet (subject, preheader, StreamField content, in English
and Spanish). Coordinators edit them at /cms/snippets/mailing/newsletter/ and preview, test,
schedule and send them on the staff page (/staff/mailing/<id>/). A newsletter that is being
sent or was sent cannot be edited any more: its readers got what was frozen at the start."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from heatwatch.mailing.models import Newsletter


class NewsletterViewSet(SnippetViewSet):
    model = Newsletter
    icon = "mail"
    menu_label = _("Newsletters")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["subject", "status", "interest", "updated_at"]
    list_filter = ["status", "interest"]
    search_fields: list[str] = []
    ordering = ["-created_at"]
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("subject"),
                    FieldPanel("preheader"),
                    FieldPanel("content"),
                    MultiFieldPanel(
                        [FieldRowPanel([FieldPanel("interest"), FieldPanel("language")])],
                        heading=_("Audience"),
                    ),
                ],
                heading=_("English"),
            ),
            ObjectList(
                [FieldPanel("subject_es"), FieldPanel("preheader_es"), FieldPanel("content_es")],
                heading=_("Spanish"),
            ),
        ]
    )


register_snippet(NewsletterViewSet)


@hooks.register("before_edit_snippet")
def _refuse_editing_a_sent_newsletter(request: HttpRequest, instance: Any) -> HttpResponse | None:
    if isinstance(instance, Newsletter) and not instance.is_editable:
        messages.error(request, _("This newsletter is being sent or was sent; it cannot change."))
        return redirect("mailing:newsletter", pk=instance.pk)
    return None


@hooks.register("before_delete_snippet")
def _refuse_deleting_a_sent_newsletter(request: HttpRequest, instances: Any) -> HttpResponse | None:
    for instance in instances:
        if isinstance(instance, Newsletter) and instance.status != "draft":
            messages.error(request, _("Only a draft newsletter can be deleted."))
            return redirect("mailing:newsletter", pk=instance.pk)
    return None

"""The blocks a newsletter is composed of in the CMS (a StreamField on ``models.Newsletter``).

``upcoming_events`` is filled from the events app when the issue is sent (mailing may read
events; events never imports mailing). ``toolkit`` links to any page of the site through
Wagtail's generic page chooser, or to an address, so it does not depend on the pages app.
Rendering to e-mail HTML and text lives in ``content.py``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from heatwatch.events.models import Kind

RICH_TEXT_FEATURES = ["h3", "bold", "italic", "link", "ol", "ul"]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Text alternative"),
        max_length=200,
        help_text=_("What the image shows, for readers who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("Caption"), max_length=200, required=False)

    class Meta:
        icon = "image"
        label = _("Image")


class UpcomingEventsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=120, default=_("Upcoming events"))
    kind = blocks.ChoiceBlock(
        label=_("Only events of this kind"),
        choices=Kind.choices,
        required=False,
    )
    count = blocks.IntegerBlock(label=_("How many"), min_value=1, max_value=10, default=3)

    class Meta:
        icon = "date"
        label = _("Upcoming events (filled in when sent)")


class ToolkitLinkBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(label=_("Page of this site"), required=False)
    url = blocks.URLBlock(label=_("Or an address"), required=False)
    title = blocks.CharBlock(
        label=_("Title (the page's title if empty)"), max_length=200, required=False
    )
    summary = blocks.CharBlock(label=_("One line about it"), max_length=300, required=False)


class ToolkitBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=120, default=_("From the toolkit"))
    links = blocks.ListBlock(ToolkitLinkBlock(), label=_("Resources"), min_num=1, max_num=8)

    class Meta:
        icon = "link"
        label = _("From the toolkit")


class NewsletterBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200, icon="title")
    paragraph = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)
    image = ImageBlock()
    upcoming_events = UpcomingEventsBlock()
    toolkit = ToolkitBlock()

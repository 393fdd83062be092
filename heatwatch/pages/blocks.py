"""StreamField blocks for the public pages: headings, paragraphs, lists and call-outs.

Deliberately small: every block renders to plain, accessible USWDS markup with no inline
styles or scripts, so coordinators cannot break the Content-Security-Policy or the heading
order from the editor.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

# Rich text stays simple: no headings (use the heading blocks, which keep the page outline
# right), no embeds or images (third-party resources would break anonymity, DESIGN.md §5).
RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


class CalloutBlock(blocks.StructBlock):
    """A highlighted box (USWDS summary box) for a key message or next step."""

    heading = blocks.CharBlock(max_length=120, label=_("Heading"))
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Text"))

    class Meta:
        icon = "help"
        label = _("Call-out")
        template = "pages/blocks/callout.html"


class ContentBlock(blocks.StreamBlock):
    """The body of a public page."""

    heading = blocks.CharBlock(
        max_length=120,
        form_classname="title",
        icon="title",
        label=_("Heading"),
        template="pages/blocks/heading.html",
    )
    subheading = blocks.CharBlock(
        max_length=120,
        icon="title",
        label=_("Subheading"),
        template="pages/blocks/subheading.html",
    )
    paragraph = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        icon="pilcrow",
        label=_("Paragraph"),
        template="pages/blocks/paragraph.html",
    )
    bullets = blocks.ListBlock(
        blocks.CharBlock(max_length=400, label=_("Item")),
        icon="list-ul",
        label=_("Bulleted list"),
        template="pages/blocks/bullets.html",
    )
    callout = CalloutBlock()

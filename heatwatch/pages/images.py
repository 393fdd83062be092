"""Images in the CMS need a text alternative (WAGTAILIMAGES_IMAGE_FORM_BASE)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail.images.forms import BaseImageForm


class AltTextImageForm(BaseImageForm):
    """Wagtail's image form with the description (used as alt text) required."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("description")
        if field is not None:
            field.required = True
            field.help_text = _(
                "What the image shows, for people who cannot see it (its alt text). Required."
            )

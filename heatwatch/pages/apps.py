from __future__ import annotations

from typing import Any

from django.apps import AppConfig


def ensure_locales(**_kwargs: Any) -> None:
    """One Wagtail locale per configured content language (a third language is settings)."""
    from django.conf import settings
    from wagtail.models import Locale

    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


class PagesConfig(AppConfig):
    name = "heatwatch.pages"
    label = "pages"
    verbose_name = "Public pages"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save
        from wagtail.documents import get_document_model
        from wagtail.images import get_image_model
        from wagtail.models import Page
        from wagtail.signals import page_published, page_slug_changed, page_unpublished

        from heatwatch.pages import cache

        post_migrate.connect(ensure_locales, sender=self)
        # Any change to what public pages show empties the page cache (pages/cache.py).
        for signal in (page_published, page_unpublished, page_slug_changed):
            signal.connect(cache.purge, dispatch_uid=f"heatwatch-purge-{signal!r}")
        for model in (Page, get_document_model(), get_image_model()):
            post_delete.connect(cache.purge, sender=model, dispatch_uid=f"purge-del-{model}")
        for model in (get_document_model(), get_image_model()):
            post_save.connect(cache.purge, sender=model, dispatch_uid=f"purge-save-{model}")

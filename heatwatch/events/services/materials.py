"""The materials of an event: links, or live pages of the site (the toolkit's resources)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Page

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.events.models import Event, Material
from heatwatch.events.services._base import EventError, MaterialInput


@transaction.atomic
def material_add(*, event: Event, data: MaterialInput, by: User | None) -> Material:
    """Add a material to an event: a link (title and an http(s) URL) or a live page of the
    site."""
    title = data.title.strip()
    if not title or len(title) > 200:
        raise EventError(_("Give the material a title (at most 200 characters)."))
    url = data.url.strip()
    if bool(url) == bool(data.page_id):
        raise EventError(_("Give either a link or a page of the site, not both."))
    if url and (len(url) > 500 or not url.lower().startswith(("https://", "http://"))):
        raise EventError(_("The link must start with https:// (at most 500 characters)."))
    page = None
    if data.page_id:
        page = Page.objects.live().filter(pk=data.page_id, depth__gt=1).first()
        if page is None:
            raise EventError(_("Choose a published page."))
    position = event.materials.count()
    material = Material.objects.create(
        event=event, title=title, url=url, page=page, position=position
    )
    audit_log(action=Action.CREATE, actor=by, obj=material)
    return material


@transaction.atomic
def material_remove(*, material: Material, by: User | None) -> None:
    audit_log(action=Action.DELETE, actor=by, obj=material)
    material.delete()

"""A newsletter's content rendered for e-mail and the archive, once per language.

``render(newsletter, language)`` turns the CMS blocks (or the plain ``body``) into the subject,
preheader, an HTML fragment and its plain-text twin. Links and images are absolute
(HEATWATCH_BASE_URL): images are served from our own site, the same address for every reader
(never per reader, so nothing tells us who opened what). The "upcoming events" block is filled
from the events app's public list at that moment. ``freeze`` keeps the result on the
newsletter when sending starts, so every reader gets the same issue and the archive shows it.
"""

from __future__ import annotations

import html
import re
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.html import linebreaks, strip_tags

from heatwatch.events import selectors as event_selectors
from heatwatch.lib.links import absolute_url
from heatwatch.mailing.models import Language, Newsletter

IMAGE_RENDITION = "max-1200x1200"
IMAGE_WIDTH = 552  # the message column (600 px less its padding)
_RELATIVE = re.compile(r'(\s(?:href|src)=")(/[^"]*)"')
_LINK = re.compile(r'<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>', re.DOTALL | re.IGNORECASE)


def has_spanish(newsletter: Newsletter) -> bool:
    """Whether the issue has a Spanish version (a Spanish subject is enough to make one)."""
    return bool(newsletter.subject_es.strip())


def language_for(newsletter: Newsletter, reader_language: str) -> str:
    """The version a reader gets: theirs, or English when there is no Spanish one."""
    if reader_language == Language.ES and (
        has_spanish(newsletter) or "es" in (newsletter.frozen or {})
    ):
        return Language.ES
    return Language.EN


def absolutise(fragment: str) -> str:
    """Make the site-relative links and image sources of an HTML fragment absolute."""
    return _RELATIVE.sub(lambda m: f'{m.group(1)}{absolute_url(m.group(2))}"', fragment)


def html_to_text(fragment: str) -> str:
    """The plain-text twin of an HTML fragment: links as "text (address)", list items as
    dashes, paragraphs separated by a blank line."""
    text = _LINK.sub(
        lambda m: (
            f"{strip_tags(m.group(2)).strip()} ({html.unescape(m.group(1))})"
            if strip_tags(m.group(2)).strip() != html.unescape(m.group(1))
            else html.unescape(m.group(1))
        ),
        fragment,
    )
    text = re.sub(r"<li[^>]*>", "- ", text, flags=re.IGNORECASE)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"</(p|h\d|li|ul|ol|div|figure|figcaption)>", "\n\n", text, flags=re.IGNORECASE)
    text = html.unescape(strip_tags(text))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _events(value: Any) -> list[dict[str, Any]]:
    upcoming = event_selectors.public_events(kind=value.get("kind") or "").upcoming
    rows = []
    for event in upcoming:
        if event.is_cancelled:
            continue
        rows.append(
            {
                "title": event.title,
                "starts_at": event.starts_at,
                "url": absolute_url(event.get_absolute_url()),
                "kind": event.get_kind_display(),
            }
        )
        if len(rows) >= int(value.get("count") or 3):
            break
    return rows


def _toolkit_links(value: Any) -> list[dict[str, str]]:
    links = []
    for item in value.get("links") or []:
        page = item.get("page")
        url = ""
        title = item.get("title") or ""
        if page is not None:
            page = getattr(page, "localized", page)
            url = page.get_url() or ""
            title = title or page.title
        elif item.get("url"):
            url = item["url"]
        if not url:
            continue
        links.append({"url": absolute_url(url), "title": title or url, "summary": item["summary"]})
    return links


def _image(value: Any) -> dict[str, Any]:
    rendition = value["image"].get_rendition(IMAGE_RENDITION)
    width = min(rendition.width, IMAGE_WIDTH)
    height = round(rendition.height * width / rendition.width) if rendition.width else 0
    return {
        "src": absolute_url(rendition.url),
        "width": width,
        "height": height,
        "alt": value["alt"],
        "caption": value.get("caption") or "",
    }


def _parts(stream: Any) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for block in stream:
        kind = block.block_type
        value = block.value
        if kind == "heading":
            parts.append({"type": kind, "text": str(value)})
        elif kind == "paragraph":
            parts.append({"type": kind, "html": absolutise(str(value))})
        elif kind == "image":
            if value.get("image") is not None:
                parts.append({"type": kind, **_image(value)})
        elif kind == "upcoming_events":
            parts.append({"type": kind, "heading": value["heading"], "events": _events(value)})
        elif kind == "toolkit":
            parts.append(
                {"type": kind, "heading": value["heading"], "links": _toolkit_links(value)}
            )
    return parts


def _text_of(parts: list[dict[str, Any]]) -> str:
    chunks: list[str] = []
    for part in parts:
        kind = part["type"]
        if kind == "heading":
            chunks.append(part["text"].upper())
        elif kind == "paragraph":
            chunks.append(html_to_text(part["html"]))
        elif kind == "image":
            chunks.append(f"[{part['alt']}]" + (f" {part['caption']}" if part["caption"] else ""))
        elif kind == "upcoming_events":
            lines = [part["heading"].upper()]
            for event in part["events"]:
                when = event["starts_at"]
                lines.append(f"- {event['title']}, {_when(when)}\n  {event['url']}")
            if not part["events"]:
                lines.append(translation.gettext("No upcoming events are listed yet."))
            chunks.append("\n".join(lines))
        elif kind == "toolkit":
            lines = [part["heading"].upper()]
            for link in part["links"]:
                summary = f": {link['summary']}" if link["summary"] else ""
                lines.append(f"- {link['title']}{summary}\n  {link['url']}")
            chunks.append("\n".join(lines))
    return "\n\n".join(chunk for chunk in chunks if chunk)


def _when(value: Any) -> str:
    return str(formats.date_format(timezone.localtime(value), "DATETIME_FORMAT"))


def render(newsletter: Newsletter, language: str) -> dict[str, str]:
    """Subject, preheader, HTML fragment and text of one language version (live, not frozen)."""
    spanish = language == Language.ES and has_spanish(newsletter)
    subject = newsletter.subject_es if spanish else newsletter.subject
    preheader = newsletter.preheader_es if spanish else newsletter.preheader
    stream = newsletter.content_es if spanish else newsletter.content
    if not spanish and language == Language.ES:
        language = Language.EN
    with translation.override(language):
        if stream:
            parts = _parts(stream)
            fragment: str = render_to_string("mailing/email/_content.html", {"parts": parts})
            text = _text_of(parts)
        else:
            body = newsletter.body
            fragment = str(linebreaks(body, autoescape=True))
            text = body.strip()
    return {
        "language": language,
        "subject": subject.strip(),
        "preheader": preheader.strip(),
        "html": fragment.strip(),
        "text": text,
    }


def frozen_or_render(newsletter: Newsletter, reader_language: str) -> dict[str, str]:
    """What a reader of that language gets: the frozen version once sending started."""
    language = language_for(newsletter, reader_language)
    frozen = newsletter.frozen or {}
    if language in frozen:
        return dict(frozen[language])
    return render(newsletter, language)


def freeze(newsletter: Newsletter) -> dict[str, dict[str, str]]:
    """Every language version of the issue, rendered now (kept on the newsletter)."""
    versions = {Language.EN.value: render(newsletter, Language.EN)}
    if has_spanish(newsletter):
        versions[Language.ES.value] = render(newsletter, Language.ES)
    return versions

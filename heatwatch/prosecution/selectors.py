"""Reads for prosecution, scoped to what the user may see (permissions.py): a prosecution or an
entity outside one's scope is 404 and the attempt is audited; reads of a prosecution (a
defendant's record) and of every entity shown are audited.

Also the parts that cases and meetings show through ``cases.extensions``: the docket section
of the case page and the one-line youth-court status of the case page and the MDT briefing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.cases.models import Case, HearingKind
from heatwatch.cases.permissions import cases_visible_to
from heatwatch.lib.crypto import blind_index
from heatwatch.prosecution import permissions
from heatwatch.prosecution.models import (
    DocketFeed,
    Entity,
    EntityKind,
    EntityLink,
    Hearing,
    LinkTarget,
    Prosecution,
    ProsecutionYouth,
)
from heatwatch.tips.models import TipIndex
from heatwatch.tips.permissions import tips_visible_to

from . import services


def _denied(user: Any, object_type: str, pk: int) -> None:
    audit_log(
        action=Action.ACCESS_DENIED,
        actor=user,
        object_type=object_type,
        object_id=str(pk),
        outcome=Outcome.DENIED,
    )


# --- prosecutions -----------------------------------------------------------------------------


def prosecution_list(*, user: Any) -> QuerySet[Prosecution]:
    """The prosecutions ``user`` may see, newest first: list columns only (no defendant field
    is decrypted for a list)."""
    return (
        permissions.prosecutions_visible_to(user)
        .select_related("office", "prosecutor", "advocate")
        .defer("defendant_name", "defendant_aliases", "defendant_date_of_birth", "sentence")
        .order_by("-created_at", "-pk")
    )


def prosecution_get_for_user(*, user: Any, pk: int, audit: bool = True) -> Prosecution:
    """The prosecution, if ``user`` may see it (audited READ); 404 otherwise."""
    found = (
        permissions.prosecutions_visible_to(user)
        .select_related("office", "prosecutor", "advocate")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        _denied(user, "prosecution.prosecution", pk)
        raise Http404
    if audit:
        audit_log(action=Action.READ, actor=user, obj=found)
    return found


def prosecution_by_reference(*, reference: str) -> Prosecution | None:
    return Prosecution.objects.filter(reference=reference.strip().upper()).first()


def stage_dates(*, prosecution: Prosecution) -> dict[str, date]:
    return dict(prosecution.stage_dates.values_list("stage", "on"))


def visible_youth_links(*, user: Any, prosecution: Prosecution) -> list[ProsecutionYouth]:
    """The youths linked to the prosecution whose case ``user`` may also see (others are not
    mentioned, not even counted)."""
    visible = cases_visible_to(user).values("pk")
    return list(
        prosecution.youths.filter(case__in=visible)
        .select_related("case", "case__youth")
        .order_by("added_at", "pk")
    )


def prosecution_entities(*, user: Any, prosecution: Prosecution) -> list[EntityLink]:
    """The entities linked to the prosecution, for entity roles only (each read audited)."""
    if not permissions.can_use_entities(user):
        return []
    links = list(prosecution.entity_links.select_related("entity").order_by("entity__kind", "pk"))
    for link in links:
        audit_log(action=Action.READ, actor=user, obj=link.entity)
    return links


# --- the docket -------------------------------------------------------------------------------


def hearing_get_for_user(*, user: Any, pk: int) -> Hearing:
    found = (
        permissions.hearings_visible_to(user).select_related("case", "recorded_by").filter(pk=pk)
    ).first()
    if found is None:
        _denied(user, "prosecution.hearing", pk)
        raise Http404
    return found


def docket(*, user: Any, start: date, end: date) -> list[Hearing]:
    """The hearings ``user`` may see from ``start`` to ``end`` (both included), by date."""
    return list(
        permissions.hearings_visible_to(user)
        .filter(on__gte=start, on__lte=end)
        .select_related("case")
        .defer("outcome")
        .order_by("on", "at", "pk")
    )


def case_hearings(*, case: Case) -> list[Hearing]:
    return list(Hearing.objects.filter(case=case).select_related("recorded_by"))


def active_feed(*, case: Case) -> DocketFeed | None:
    return DocketFeed.objects.filter(case=case, revoked_at__isnull=True).first()


def feed_for_token(*, token: str) -> DocketFeed | None:
    """The active feed with this token (found by its blind index), or None."""
    if not token or len(token) > 100:
        return None
    index = blind_index(token, context=services.FEED_TOKEN_CONTEXT)
    return (
        DocketFeed.objects.filter(token_index=index, revoked_at__isnull=True)
        .select_related("case")
        .first()
    )


def youth_court_status(*, case: Case, on: date | None = None) -> str | None:
    """One line on the youth's youth-court docket, e.g. "Youth court: next hearing
    2026-12-10 (review)"; None when the docket has no hearing for the case. Names no court
    department and no outcome (it goes into the MDT briefing)."""
    today = on or timezone.localdate()
    hearings = list(Hearing.objects.filter(case=case).only("on", "purpose", "next_on"))
    if not hearings:
        return None
    upcoming = [h for h in hearings if h.on >= today]
    if upcoming:
        first = min(upcoming, key=lambda h: h.on)
        return _("Youth court: next hearing %(date)s (%(purpose)s)") % {
            "date": first.on.isoformat(),
            "purpose": HearingKind(first.purpose).label,
        }
    last = max(hearings, key=lambda h: h.on)
    if last.next_on is not None and last.next_on >= today:
        return _("Youth court: next date %(date)s (last hearing %(last)s)") % {
            "date": last.next_on.isoformat(),
            "last": last.on.isoformat(),
        }
    return _("Youth court: last hearing %(date)s (%(purpose)s), no next date") % {
        "date": last.on.isoformat(),
        "purpose": HearingKind(last.purpose).label,
    }


def case_section_context(*, case: Case, user: Any) -> dict[str, Any]:
    """The docket section of the case page (registered through cases.extensions): the
    youth-court hearings, the status line and, for the care team, the feed link."""
    from heatwatch.lib.links import absolute_url

    feed = active_feed(case=case) if permissions.can_manage_feed(user, case) else None
    return {
        "case": case,
        "hearings": case_hearings(case=case),
        "status": youth_court_status(case=case),
        "can_manage_feed": permissions.can_manage_feed(user, case),
        "can_record": permissions.can_record_hearings(user),
        "feed": feed,
        "feed_url": absolute_url(f"/api/prosecution/docket/feed/{feed.token}.ics") if feed else "",
    }


def month_bounds(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return start, following - timedelta(days=1)


@dataclass
class Day:
    on: date
    hearings: list[Hearing] = field(default_factory=list)


def docket_days(*, user: Any, year: int, month: int) -> list[Day]:
    """The month's days that have hearings ``user`` may see, in order."""
    start, end = month_bounds(year, month)
    days: dict[date, Day] = {}
    for hearing in docket(user=user, start=start, end=end):
        days.setdefault(hearing.on, Day(hearing.on)).hearings.append(hearing)
    return list(days.values())


# --- entities ---------------------------------------------------------------------------------


@dataclass
class Appearances:
    """Where an entity appears: references the user may open, and how many in all."""

    tips: list[str] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    prosecutions: list[Prosecution] = field(default_factory=list)
    tip_total: int = 0
    case_total: int = 0
    prosecution_total: int = 0


def _appearances(user: Any, entities: list[Entity]) -> dict[int, Appearances]:
    """Appearances of each entity, in a fixed number of queries: tips matched through the
    tip line's blind indexes plus tips linked by hand (counted once), cases and prosecutions
    linked by hand."""
    result = {e.pk: Appearances() for e in entities}
    by_digest: dict[str, list[int]] = defaultdict(list)
    for e in entities:
        if e.tip_digest:
            by_digest[e.tip_digest].append(e.pk)
    tip_refs: dict[int, set[str]] = defaultdict(set)
    kinds = {
        "handle": TipIndex.Kind.HANDLE,
        "exploiter": TipIndex.Kind.NAME,
        "buyer": TipIndex.Kind.NAME,
        "venue": TipIndex.Kind.LOCATION,
    }
    kind_of = {e.pk: kinds.get(e.kind) for e in entities}
    if by_digest:
        for digest, kind, reference in TipIndex.objects.filter(
            digest__in=list(by_digest)
        ).values_list("digest", "kind", "tip__reference"):
            for pk in by_digest[digest]:
                if kind_of[pk] == kind:
                    tip_refs[pk].add(reference)
    links = list(
        EntityLink.objects.filter(entity__in=[e.pk for e in entities]).select_related(
            "case", "prosecution"
        )
    )
    for link in links:
        if link.target == LinkTarget.TIP:
            tip_refs[link.entity_id].add(link.tip_reference)
    visible_tips = set(
        tips_visible_to(user)
        .filter(reference__in={r for refs in tip_refs.values() for r in refs})
        .values_list("reference", flat=True)
    )
    visible_cases = set(
        cases_visible_to(user)
        .filter(pk__in={link.case_id for link in links if link.case_id})
        .values_list("pk", flat=True)
    )
    visible_prosecutions = set(
        permissions.prosecutions_visible_to(user)
        .filter(pk__in={link.prosecution_id for link in links if link.prosecution_id})
        .values_list("pk", flat=True)
    )
    for pk, refs in tip_refs.items():
        result[pk].tip_total = len(refs)
        result[pk].tips = sorted(r for r in refs if r in visible_tips)
    for link in links:
        seen = result[link.entity_id]
        if link.case is not None:
            seen.case_total += 1
            if link.case_id in visible_cases:
                seen.cases.append(link.case)
        if link.prosecution is not None:
            seen.prosecution_total += 1
            if link.prosecution_id in visible_prosecutions:
                seen.prosecutions.append(link.prosecution)
    return result


def entity_search(
    *, user: Any, kind: str = "", value: str = "", limit: int = 50
) -> list[tuple[Entity, Appearances]]:
    """Entities, newest first, or the one matching ``value`` exactly (through its blind
    index); each shown entity's read is audited."""
    if not permissions.can_use_entities(user):
        return []
    qs = Entity.objects.all().order_by("-created_at", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    if value.strip():
        kinds = [kind] if kind else list(EntityKind.values)
        indexes = []
        for k in kinds:
            try:
                indexes.append(services.entity_indexes(k, value)[0])
            except services.ProsecutionError:
                continue
        qs = qs.filter(value_index__in=indexes)
    entities = list(qs[:limit])
    seen = _appearances(user, entities)
    for entity in entities:
        audit_log(action=Action.READ, actor=user, obj=entity)
    return [(e, seen[e.pk]) for e in entities]


def entity_get_for_user(*, user: Any, pk: int) -> tuple[Entity, Appearances]:
    """One entity and where it appears (audited READ); 404 for anyone without an entity role."""
    entity = Entity.objects.filter(pk=pk).first() if permissions.can_use_entities(user) else None
    if entity is None:
        _denied(user, "prosecution.entity", pk)
        raise Http404
    audit_log(action=Action.READ, actor=user, obj=entity)
    return entity, _appearances(user, [entity])[entity.pk]

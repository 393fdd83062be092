"""Reads for the partner service directory: staff search, one service, availability, the public
list. Reads are not audited: a service is an organisation's data, not a person's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from heatwatch.directory.models import (
    Availability,
    Gender,
    Service,
    ServiceArea,
    ServiceLanguage,
)
from heatwatch.directory.permissions import services_visible_to

# The same rule as service_availability(), as SQL (kept in step by tests/test_selectors.py).
_HAS_ROOM = Q(available_slots__isnull=True) | Q(available_slots__gt=0)
AVAILABILITY_EXPRESSION = Case(
    When(is_active=False, then=Value(Availability.INACTIVE.value)),
    When(Q(accepting_referrals=True) & _HAS_ROOM, then=Value(Availability.OPEN.value)),
    When(waitlist_open=True, then=Value(Availability.WAITLIST.value)),
    default=Value(Availability.FULL.value),
    output_field=CharField(),
)


@dataclass(frozen=True)
class ServiceAvailability:
    """Can the service take a referral now, and if not, is there a waitlist?"""

    status: Availability
    capacity: int | None
    available_slots: int | None
    waitlist_length: int | None
    typical_wait_days: int | None
    updated_at: datetime | None

    @property
    def can_refer_now(self) -> bool:
        return self.status == Availability.OPEN

    @property
    def waitlist_offered(self) -> bool:
        return self.status == Availability.WAITLIST


def service_availability(*, service: Service) -> ServiceAvailability:
    """Open (accepting referrals and a place free, or places not counted), waitlist (no room
    now but the waitlist is open), full (neither), or inactive (no longer offered).

    For the cases app: refer when ``can_refer_now``; offer the waitlist when
    ``waitlist_offered``. No query.
    """
    if not service.is_active:
        status = Availability.INACTIVE
    elif service.accepting_referrals and (
        service.available_slots is None or service.available_slots > 0
    ):
        status = Availability.OPEN
    elif service.waitlist_open:
        status = Availability.WAITLIST
    else:
        status = Availability.FULL
    return ServiceAvailability(
        status=status,
        capacity=service.capacity,
        available_slots=service.available_slots,
        waitlist_length=service.waitlist_length,
        typical_wait_days=service.typical_wait_days,
        updated_at=service.capacity_updated_at,
    )


def _filter(
    qs: QuerySet[Service],
    *,
    q: str = "",
    category: str = "",
    age: int | None = None,
    gender: str = "",
    language: str = "",
    area: str = "",
) -> QuerySet[Service]:
    for word in q.split()[:10]:
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    if category:
        qs = qs.filter(category=category)
    if age is not None:
        qs = qs.filter(
            Q(min_age__isnull=True) | Q(min_age__lte=age),
            Q(max_age__isnull=True) | Q(max_age__gte=age),
        )
    if gender and gender != Gender.ANY:
        qs = qs.filter(gender__in=[Gender.ANY, gender])
    if language:
        qs = qs.filter(
            Exists(ServiceLanguage.objects.filter(service=OuterRef("pk"), code=language))
        )
    if area:
        # No area listed means the whole program area.
        qs = qs.filter(
            Exists(ServiceArea.objects.filter(service=OuterRef("pk"), name__iexact=area))
            | ~Exists(ServiceArea.objects.filter(service=OuterRef("pk")))
        )
    return qs


def service_search(
    *,
    user: Any,
    q: str = "",
    category: str = "",
    age: int | None = None,
    gender: str = "",
    language: str = "",
    area: str = "",
    organisation_id: int | None = None,
    availability: str = "",
    include_inactive: bool = False,
) -> QuerySet[Service]:
    """Services ``user`` may see, filtered; each annotated with ``availability_status``.

    ``age`` keeps services whose age range includes it; ``gender`` keeps services for any
    gender or that one; ``area`` keeps services covering it (or with no area listed);
    ``availability`` is an ``Availability`` value (``open`` = accepting referrals now).
    """
    qs = services_visible_to(user)
    if not include_inactive:
        qs = qs.filter(is_active=True, organisation__is_active=True)
    qs = _filter(qs, q=q, category=category, age=age, gender=gender, language=language, area=area)
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    qs = qs.annotate(availability_status=AVAILABILITY_EXPRESSION)
    if availability:
        qs = qs.filter(availability_status=availability)
    return (
        qs.select_related("organisation")
        .prefetch_related("languages", "areas")
        .order_by("name", "pk")
    )


def service_get_for_user(*, user: Any, pk: int) -> Service:
    """The service, if ``user`` may use the staff directory; 404 otherwise."""
    service = (
        services_visible_to(user)
        .select_related("organisation")
        .prefetch_related("languages", "areas")
        .filter(pk=pk)
        .first()
    )
    if service is None:
        raise Http404
    return service


def services_accepting_referrals(*, category: str = "") -> QuerySet[Service]:
    """Active services that can take a referral now (for pickers that need no user scope)."""
    qs = Service.objects.filter(is_active=True, organisation__is_active=True)
    if category:
        qs = qs.filter(category=category)
    return (
        qs.annotate(availability_status=AVAILABILITY_EXPRESSION)
        .filter(availability_status=Availability.OPEN)
        .select_related("organisation")
        .order_by("name", "pk")
    )


def service_areas_in_use() -> list[str]:
    """Distinct area names, for the search form's area list."""
    names = ServiceArea.objects.values_list("name", flat=True).distinct()
    return sorted(set(names), key=str.lower)


def public_services(*, q: str = "", category: str = "", language: str = "") -> QuerySet[Service]:
    """Services their organisations show to the public (active, in an active organisation).

    Callers must show only public fields (no capacity, referral contact, staff notes or a
    confidential address): see templates/directory/public_list.html and hsds.py.
    """
    qs = Service.objects.filter(is_public=True, is_active=True, organisation__is_active=True)
    qs = _filter(qs, q=q, category=category, language=language)
    return (
        qs.select_related("organisation")
        .prefetch_related("languages", "areas")
        .order_by("category", "name", "pk")
    )

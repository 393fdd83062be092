"""Partner service directory: the staff search, a service, its forms, and the public list."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heatwatch.accounts.permissions import role_required, staff_user
from heatwatch.core.pagination import page_of, query_without_page
from heatwatch.directory import selectors, services
from heatwatch.directory.forms import CapacityForm, PublicSearchForm, SearchForm, ServiceForm
from heatwatch.directory.models import Service
from heatwatch.directory.permissions import (
    DIRECTORY_ROLES,
    can_add_services,
    can_edit_service,
    can_manage_all,
    editable_organisations,
)

directory_staff = role_required(*DIRECTORY_ROLES)


# --- staff ----------------------------------------------------------------------------------------


@directory_staff
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search and filter every partner's services (GET form; works without JavaScript)."""
    form = SearchForm(request.GET or None, areas=selectors.service_areas_in_use())
    status = 200
    page = None
    if not form.is_bound or form.is_valid():
        d = form.cleaned_data if form.is_bound else {}
        qs = selectors.service_search(
            user=request.user,
            q=d.get("q", ""),
            category=d.get("category", ""),
            age=d.get("age"),
            gender=d.get("gender", ""),
            language=d.get("language", ""),
            area=d.get("area", ""),
            availability=d.get("availability", ""),
            include_inactive=bool(d.get("include_inactive")),
        )
        page = page_of(request, qs)
    else:
        status = 400
    editable = (
        None
        if can_manage_all(request.user)
        else {o.pk for o in editable_organisations(request.user)}
    )
    return render(
        request,
        "directory/search.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_add": can_add_services(request.user),
            "editable_orgs": editable,
            "manage_all": editable is None,
        },
        status=status,
    )


def _detail(
    request: HttpRequest, service: Service, *, capacity_form: CapacityForm | None = None
) -> HttpResponse:
    can_edit = can_edit_service(request.user, service)
    return render(
        request,
        "directory/detail.html",
        {
            "service": service,
            "availability": selectors.service_availability(service=service),
            "can_edit": can_edit,
            "capacity_form": (capacity_form or CapacityForm(instance=copy.copy(service)))
            if can_edit
            else None,
        },
    )


@directory_staff
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One service with its staff-only details and, for its editors, the capacity form."""
    service = selectors.service_get_for_user(user=request.user, pk=pk)
    return _detail(request, service)


@directory_staff
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Add a service for one of the user's organisations (any organisation for coordinators)."""
    organisations = editable_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    form = ServiceForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(
                organisation=form.cleaned_data["organisation"],
                by=staff_user(request),
                data=form.to_input(),
            )
        except services.DirectoryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Service added."))
            return redirect("directory:detail", pk=service.pk)
    return render(
        request,
        "directory/form.html",
        {"form": form, "service": None},
        status=400 if request.method == "POST" else 200,
    )


def _editable(request: HttpRequest, pk: int) -> Service:
    service = selectors.service_get_for_user(user=request.user, pk=pk)
    if not can_edit_service(request.user, service):
        raise PermissionDenied
    return service


@directory_staff
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a service's details (its organisation's members and coordinators)."""
    service = _editable(request, pk)
    # The form works on a copy: a refused edit must not change the service shown around it.
    form = ServiceForm(request.POST or None, instance=copy.copy(service))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.service_update(
                    service=service,
                    by=staff_user(request),
                    data=form.to_input(),
                    version=form.cleaned_data["version"],
                )
            except services.StaleService as exc:
                form.add_error(None, str(exc))
                status = 409
            except services.DirectoryError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Service saved."))
                return redirect("directory:detail", pk=service.pk)
    return render(request, "directory/form.html", {"form": form, "service": service}, status=status)


@directory_staff
@require_http_methods(["GET", "POST"])
def capacity(request: HttpRequest, pk: int) -> HttpResponse:
    """The quick capacity update: places open, accepting referrals, waitlist."""
    service = _editable(request, pk)
    form = CapacityForm(request.POST or None, instance=copy.copy(service))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.service_set_capacity(
                    service=service,
                    by=staff_user(request),
                    data=form.to_input(),
                    version=form.cleaned_data["version"],
                )
            except services.StaleService as exc:
                form.add_error(None, str(exc))
                status = 409
            except services.DirectoryError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Capacity updated."))
                return redirect("directory:detail", pk=service.pk)
    return render(
        request, "directory/capacity.html", {"form": form, "service": service}, status=status
    )


@directory_staff
@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a service as no longer offered, or offered again."""
    service = _editable(request, pk)
    active = request.POST.get("active") == "1"
    services.service_set_active(service=service, by=staff_user(request), active=active)
    messages.success(
        request, _("The service is offered again.") if active else _("Service deactivated.")
    )
    return redirect("directory:detail", pk=service.pk)


# --- public ---------------------------------------------------------------------------------------


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    """The services partners show to the public: public details only, no capacity."""
    form = PublicSearchForm(request.GET or None)
    page = None
    status = 200
    if not form.is_bound or form.is_valid():
        d = form.cleaned_data if form.is_bound else {}
        qs = selectors.public_services(
            q=d.get("q", ""), category=d.get("category", ""), language=d.get("language", "")
        )
        page = page_of(request, qs)
    else:
        status = 400
    return render(
        request,
        "directory/public_list.html",
        {"form": form, "page": page, "query": query_without_page(request)},
        status=status,
    )

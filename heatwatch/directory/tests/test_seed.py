import pytest
from django.core.management import call_command

from heatwatch.directory import selectors
from heatwatch.directory.models import Availability, Service
from heatwatch.directory.seed import CATALOGUE


@pytest.mark.django_db
def test_seed_creates_the_catalogue_once_with_every_availability():
    call_command("seed", stdout=None)
    assert Service.objects.count() == len(CATALOGUE)
    statuses = {selectors.service_availability(service=s).status for s in Service.objects.all()}
    assert statuses == {Availability.OPEN, Availability.WAITLIST, Availability.FULL}
    assert selectors.public_services().exists()
    call_command("seed", stdout=None)
    assert Service.objects.count() == len(CATALOGUE)  # idempotent


@pytest.mark.django_db
def test_seed_scale_adds_volume():
    call_command("seed", "--scale", "2", stdout=None)
    assert Service.objects.count() == len(CATALOGUE) + 10

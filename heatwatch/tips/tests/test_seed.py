import pytest
from django.core.management import call_command

from heatwatch.tips.models import Status, Tip


@pytest.mark.django_db
def test_demo_seed_creates_tips_in_every_state():
    call_command("seed", "--demo", stdout=None)
    assert Tip.objects.count() == 12
    assert set(Tip.objects.values_list("status", flat=True)) >= {
        Status.NEW,
        Status.TRIAGED,
        Status.REFERRED,
        Status.CLOSED,
    }
    call_command("seed", stdout=None)
    assert Tip.objects.count() == 12  # idempotent

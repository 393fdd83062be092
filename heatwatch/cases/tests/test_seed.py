import pytest
from django.core.management import call_command

from heatwatch.cases.models import Case, Referral


@pytest.mark.django_db
def test_demo_seed_puts_the_demo_advocate_on_cases_once():
    call_command("seed", "--demo", stdout=None)
    count = Case.objects.count()
    assert count >= 3
    assert Case.objects.filter(team__user__username="advocate").count() == count
    assert Referral.objects.exists()
    call_command("seed", "--demo", stdout=None)
    assert Case.objects.count() == count  # idempotent

import pytest
from django.core.management import call_command

from heatwatch.cases.models import CaseEvent
from heatwatch.prosecution.models import Charge, Entity, Hearing, Prosecution


@pytest.mark.django_db
def test_demo_seed_makes_prosecutions_hearings_and_entities_once():
    call_command("seed", "--demo", stdout=None)
    count = Prosecution.objects.count()
    assert count >= 2
    assert Charge.objects.exists() and Hearing.objects.exists() and Entity.objects.exists()
    assert CaseEvent.objects.filter(kind="youth_court_hearing").exists()
    call_command("seed", "--demo", stdout=None)
    assert Prosecution.objects.count() == count  # idempotent

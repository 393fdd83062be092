import random

import pytest

from heatwatch.accounts.seed import seed_accounts
from heatwatch.screening.models import QuestionnaireVersion, ScreeningResult
from heatwatch.screening.seed import seed_screening


@pytest.mark.django_db
def test_demo_seed_gives_the_teacher_screenings_once():
    rng = random.Random(1)  # noqa: S311
    seed_accounts(scale=1, rng=rng, demo=True)
    seed_screening(scale=1, rng=rng, demo=True)
    levels = sorted(ScreeningResult.objects.values_list("level", flat=True))
    assert levels == ["", "clear", "none", "possible"]
    assert ScreeningResult.objects.filter(level="clear", referred_at__isnull=False).exists()
    report = seed_screening(scale=1, rng=rng, demo=True)
    assert ScreeningResult.objects.count() == 4 and QuestionnaireVersion.objects.count() == 1
    assert "already" in " ".join(report)

"""Synthetic screening data for the demo: the default red-flag questionnaire, a teacher persona
(an account with a screening grant at the school district and no other role) and a few of their
screenings: a draft, a no-concern, a possible-concern and a clear-concern one referred to the
coordinators and waiting for intake. Never real people; safe to run twice."""

from __future__ import annotations

import random

from heatwatch.accounts.models import Organisation, OrganisationType
from heatwatch.accounts.seed import DEMO_PASSWORD, _give_authenticator, _user
from heatwatch.screening import services
from heatwatch.screening.models import Screener, ScreeningResult

TEACHER = "teacher"
SCHOOL = "Bayview Unified School District"

_NO = {
    "older-partner": "no",
    "speaks-for": "no",
    "fearful": "never",
    "new-things": "no",
    "exchange": "no",
    "online": "no",
    "substances": "no",
    "runs-away": "no",
    "absent": "no",
    "branding": "no",
    "health-visits": "no",
}
EXAMPLES = [
    ("A.M.", 14, {**_NO}),
    ("K.", 15, {**_NO, "older-partner": "yes", "absent": "yes", "fearful": "unknown"}),
    ("Jo", 16, {**_NO, "exchange": "yes", "new-things": "yes", "runs-away": "more"}),
]


def seed_screening(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    version, created = services.questionnaire_load(
        text=services.DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"), by=None
    )
    report = [f"Screening: {version} {'loaded' if created else 'already loaded'}"]
    if not demo:
        return report
    school = Organisation.objects.filter(name=SCHOOL).first()
    if school is None or school.type != OrganisationType.SCHOOL:
        return [*report, "Screening: no school district to seed the teacher with"]
    teacher = _user(TEACHER, "Robin", "Alvarez", DEMO_PASSWORD)
    _give_authenticator(teacher)
    Screener.objects.get_or_create(user=teacher, organisation=school)
    if ScreeningResult.objects.filter(screener=teacher).exists():
        return [*report, "Screening: demo screenings already present"]
    for label, age, values in EXAMPLES:
        result = services.screening_start(by=teacher, version=version, organisation=school)
        result = services.screening_complete(
            result=result,
            by=teacher,
            data=services.DraftInput(answers=values, youth_label=label, youth_age=age),
            version=result.version,
        )
        if result.level == "clear":
            services.screening_refer(result=result, by=teacher)
    draft = services.screening_start(by=teacher, version=version, organisation=school)
    services.screening_save_draft(
        result=draft,
        by=teacher,
        data=services.DraftInput(answers={"older-partner": "unknown"}, youth_label="T."),
        version=draft.version,
    )
    return [*report, f"Screening: teacher login '{TEACHER}' with {len(EXAMPLES) + 1} screenings"]

"""N+1 guards: the tip queue, the officers' referral inbox and the tip API list need as many
queries for 12 rows as for 2 (and the rows are shown, so the guard cannot pass on nothing)."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.tips import services
from heatwatch.tips.models import Tip, Urgency

pytestmark = pytest.mark.django_db

FEW, MORE = 2, 10


def _tips(personas, n: int, *, refer: bool = False) -> list[Tip]:
    """``n`` tips, triaged and assigned to the coordinator (the queue shows the assignee);
    referred to the police when ``refer``."""
    made = []
    for i in range(n):
        tip = services.tip_submit(
            data=services.TipInput(narrative=f"Seen near the depot, evening {i}.")
        ).tip
        tip = services.tip_triage(
            tip=tip,
            by=personas.coordinator,
            urgency=Urgency.HIGH,
            red_flags=["older_partner"],
            assignee=personas.coordinator,
        )
        if refer:
            services.tip_refer(tip=tip, by=personas.coordinator, organisation=personas.police)
        made.append(tip)
    return made


def test_triage_queue_page(personas, login, queries_do_not_grow):
    tips = _tips(personas, FEW)
    client = login(Client(), personas.coordinator)
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/tips/"), lambda: tips.extend(_tips(personas, MORE)), most=20
    )
    page = after.content.decode()
    assert all(t.reference in page for t in tips)
    assert page.count(">coordinator<") == FEW + MORE  # the assignee of each row


def test_officers_referral_inbox_page(personas, login, queries_do_not_grow):
    tips = _tips(personas, FEW, refer=True)
    client = login(Client(), personas.officer)
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/tips/"),
        lambda: tips.extend(_tips(personas, MORE, refer=True)),
        most=20,
    )
    page = after.content.decode()
    assert all(t.reference in page for t in tips)
    assert page.count(personas.police.name) == FEW + MORE


@pytest.mark.parametrize("name", ["coordinator", "officer"])
def test_tip_api_list(personas, login, queries_do_not_grow, name):
    tips = _tips(personas, FEW, refer=True)
    client = login(Client(), getattr(personas, name))
    _, after = queries_do_not_grow(
        lambda: client.get("/api/tips"),
        lambda: tips.extend(_tips(personas, MORE, refer=True)),
        most=20,
    )
    items = after.json()["items"]
    assert {row["reference"] for row in items} == {t.reference for t in tips}
    assert {row["assignee"] for row in items} == {"coordinator"}

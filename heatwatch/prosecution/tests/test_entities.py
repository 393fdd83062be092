"""Entities linked across tips, cases and prosecutions: matched through keyed blind indexes
(the tip line's own for tips), visible to officers and prosecutors only, every view audited."""

from __future__ import annotations

import pytest

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.prosecution import services
from heatwatch.prosecution.models import Entity
from heatwatch.prosecution.tests.conftest import signed_in
from heatwatch.tips import services as tip_services
from heatwatch.tips.models import Channel


def _tip(handles="", names="", location=""):
    return tip_services.tip_submit(
        data=tip_services.TipInput(
            narrative="Synthetic tip for a test.",
            online_handles=handles,
            subject_names=names,
            location=location,
        ),
        channel=Channel.WEB,
        issue_receipt=False,
    ).tip


def test_a_handle_appears_in_the_tips_that_mention_it_and_the_cases_linked(
    personas, login, case, prosecution
):
    tips = [
        _tip(handles="@Jaz_23"),
        _tip(handles="https://social.example/jaz_23/"),
        _tip(handles="jaz_23, other_one"),
        _tip(handles="JAZ_23"),
    ]
    _tip(handles="someone_else")
    entity, created = services.entity_add(kind="handle", value="@jaz_23", by=personas.prosecutor)
    assert created
    assert "jaz" not in entity.value_index and entity.tip_digest
    # also linked by hand to a tip already matched (counted once), a case and a prosecution
    services.entity_link(entity=entity, by=personas.prosecutor, tip_reference=tips[0].reference)
    services.entity_link(entity=entity, by=personas.coordinator, case=case)
    services.entity_link(entity=entity, by=personas.prosecutor, prosecution=prosecution)

    page = signed_in(login, personas.prosecutor).get(f"/staff/prosecution/entities/{entity.pk}/")
    body = page.content.decode()
    assert "4 tips, 1 case, 1 prosecution" in body
    assert prosecution.reference in body
    assert case.reference not in body  # the prosecutor is not on the case's team: counted only
    assert AuditEntry.objects.filter(
        action=Action.READ, object_type="prosecution.entity", object_id=str(entity.pk)
    ).exists()


def test_same_value_is_one_entity_and_search_is_exact_through_the_index(personas, login):
    first, _ = services.entity_add(kind="phone", value="(555) 010-4477", by=personas.officer)
    again, created = services.entity_add(kind="phone", value="+1 555 010 4477", by=personas.officer)
    assert again == first and not created
    client = signed_in(login, personas.officer)
    found = client.get("/staff/prosecution/entities/?kind=phone&value=5550104477").content.decode()
    assert "(555) 010-4477" in found
    missing = client.get("/staff/prosecution/entities/?value=5550100000").content.decode()
    assert "No entity found." in missing


def test_names_and_venues_match_tips_too(personas):
    _tip(names="Big Rico", location="Harbor Motel")
    rico, _ = services.entity_add(kind="exploiter", value="big rico", by=personas.officer)
    motel, _ = services.entity_add(kind="venue", value="HARBOR  motel", by=personas.officer)
    from heatwatch.prosecution.selectors import _appearances

    seen = _appearances(personas.officer, [rico, motel])
    assert seen[rico.pk].tip_total == 1 and seen[motel.pk].tip_total == 1


def test_adding_a_bad_value_shows_what_to_fix(personas, login):
    response = signed_in(login, personas.officer).post(
        "/staff/prosecution/entities/", {"kind": "handle", "value": "@x"}
    )
    assert response.status_code == 400
    assert "A handle needs at least 3 characters." in response.content.decode()
    assert not Entity.objects.exists()


def test_linking_needs_a_target_the_user_may_open(personas, login, case):
    entity, _ = services.entity_add(kind="venue", value="Harbor Motel", by=personas.officer)
    response = signed_in(login, personas.officer).post(
        f"/staff/prosecution/entities/{entity.pk}/links/",
        {"target": "case", "reference": case.reference},
    )
    assert response.status_code == 400
    assert "No case with this reference that you may open." in response.content.decode()


@pytest.mark.parametrize(
    "name", ["analyst", "coordinator", "advocate", "youth_lead", "administrator"]
)
def test_only_officers_and_prosecutors_see_entities(personas, login, name):
    entity, _ = services.entity_add(kind="venue", value="Harbor Motel", by=personas.officer)
    client = signed_in(login, getattr(personas, name))
    assert client.get("/staff/prosecution/entities/").status_code == 403
    assert client.get(f"/staff/prosecution/entities/{entity.pk}/").status_code == 403

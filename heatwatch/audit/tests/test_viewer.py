"""The audit viewer in the staff area (issue 19): who may open it, filters, keyset pages,
highlighting, sealed reasons, CSV export (itself audited), the chain's state."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from heatwatch.audit import selectors
from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.audit.services import audit_log

pytestmark = pytest.mark.django_db

URL = "/staff/audit/"


@pytest.fixture
def coordinator_client(personas, login):
    return login(Client(), personas.coordinator)


def _rows(response) -> list[AuditEntry]:
    return [entry for entry, _flag, _reason in response.context["rows"]]


@pytest.mark.parametrize("name", ["coordinator", "administrator"])
def test_coordinators_and_administrators_open_the_viewer(personas, login, name):
    response = login(Client(), getattr(personas, name)).get(URL)
    assert response.status_code == 200
    assert b"Audit log" in response.content


@pytest.mark.parametrize("name", ["analyst", "advocate", "officer", "no_role"])
def test_analysts_and_other_staff_get_403(personas, login, name):
    client = login(Client(), getattr(personas, name))
    assert client.get(URL).status_code == 403
    assert client.get(URL + "export.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_filters_by_person_record_action_outcome_and_date(personas, coordinator_client, clock):
    advocate = personas.advocate
    audit_log(action=Action.READ, actor=advocate, object_type="cases.case", object_id="7")
    audit_log(action=Action.READ, actor=personas.officer, object_type="cases.case", object_id="7")
    audit_log(action=Action.READ, actor=advocate, object_type="tips.tip", object_id="7")
    audit_log(
        action=Action.ACCESS_DENIED,
        actor=advocate,
        object_type="cases.case",
        object_id="8",
        outcome=Outcome.DENIED,
    )
    clock.shift(timedelta(days=3))
    audit_log(action=Action.UPDATE, actor=advocate, object_type="cases.case", object_id="7")

    who_saw = coordinator_client.get(URL, {"record_type": "cases.case", "record_id": "7"})
    assert {(e.actor_username, e.action) for e in _rows(who_saw)} == {
        ("advocate", "read"),
        ("officer", "read"),
        ("advocate", "update"),
    }
    by_person = coordinator_client.get(URL, {"person": "ADVOCATE"})
    assert {e.actor_username for e in _rows(by_person)} == {"advocate"}
    denied = coordinator_client.get(URL, {"outcome": "denied", "person": "advocate"})
    assert [e.object_id for e in _rows(denied)] == ["8"]
    reads = coordinator_client.get(URL, {"action": "update"})
    assert [e.object_id for e in _rows(reads)] == ["7"]
    day = coordinator_client.get(
        URL, {"since": "2026-11-23", "until": "2026-11-23", "person": "advocate"}
    )
    assert {e.action for e in _rows(day)} == {"read", "access_denied"}


def test_a_bad_filter_is_shown_again_with_what_to_fix(coordinator_client):
    response = coordinator_client.get(
        URL, {"since": "2026-11-24", "until": "2026-11-20", "record_id": "5", "person": "x"}
    )
    assert response.status_code == 400
    assert b"The end date is before the start date." in response.content
    assert b"Choose what kind of record the number is." in response.content
    assert b'value="x"' in response.content


def test_denied_and_break_glass_entries_are_highlighted(personas, coordinator_client):
    audit_log(
        action=Action.BREAK_GLASS, actor=personas.officer, object_type="cases.case", object_id="3"
    )
    audit_log(
        action=Action.READ,
        actor=personas.officer,
        object_type="cases.case",
        object_id="4",
        outcome=Outcome.DENIED,
    )
    response = coordinator_client.get(URL, {"person": "officer"})
    html = response.content.decode()
    assert "hw-audit-row--break_glass" in html and "Break-glass" in html
    assert "hw-audit-row--denied" in html and ">Denied<" in html


def test_sealed_reasons_stay_sealed(personas, coordinator_client):
    secret = "deletion reason (encrypted): v1$k1$QUJDREVGR0g"
    audit_log(
        action=Action.DELETE,
        actor=personas.coordinator,
        object_type="cases.case",
        object_id="9",
        reason=secret,
    )
    response = coordinator_client.get(URL, {"record_type": "cases.case", "record_id": "9"})
    html = response.content.decode()
    assert "QUJDREVGR0g" not in html
    assert "deletion reason [sealed]" in html
    export = coordinator_client.get(URL + "export.csv", {"record_type": "cases.case"})
    assert "QUJDREVGR0g" not in b"".join(export.streaming_content).decode()


def test_pages_are_keyset_and_reach_every_entry_once(personas, coordinator_client):
    for n in range(120):
        audit_log(
            action=Action.READ, actor=personas.advocate, object_type="tips.tip", object_id=str(n)
        )
    seen: list[int] = []
    params: dict[str, str] = {"record_type": "tips.tip"}
    for _page in range(5):
        response = coordinator_client.get(URL, params)
        assert response.status_code == 200
        seen += [e.seq for e in _rows(response)]
        page = response.context["page"]
        if page.next_before is None:
            break
        assert f"before={page.next_before}" in response.content.decode()
        params = {**params, "before": str(page.next_before)}
    assert len(seen) == 120 == len(set(seen))
    assert seen == sorted(seen, reverse=True)


def test_viewing_is_audited(personas, coordinator_client):
    coordinator_client.get(URL, {"record_type": "cases.case", "record_id": "12"})
    entry = AuditEntry.objects.filter(object_type="audit.auditentry").last()
    assert entry.actor_id == personas.coordinator.pk and entry.action == Action.READ
    assert "cases.case:12" in entry.reason


def test_csv_export_is_audited_and_formula_safe(personas, coordinator_client):
    audit_log(
        action=Action.SECURITY,
        actor=personas.advocate,
        object_type="accounts.user",
        object_id="1",
        reason="=HYPERLINK(1)",
    )
    response = coordinator_client.get(URL + "export.csv", {"person": "advocate"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["seq", "created_at", "actor_id"]
    assert any(row[9] == "'=HYPERLINK(1)" for row in rows[1:])
    export = AuditEntry.objects.filter(action=Action.EXPORT).get()
    assert export.actor_id == personas.coordinator.pk
    assert export.object_type == "audit.auditentry" and "actor=" in export.reason


def test_the_chain_state_is_shown_intact(personas, coordinator_client):
    audit_log(action=Action.READ, actor=personas.advocate, object_type="tips.tip", object_id="1")
    response = coordinator_client.get(URL)
    assert response.context["verification"].state == "intact"
    assert b"Chain intact" in response.content


def test_the_chain_state_is_shown_broken_after_tampering(personas, coordinator_client):
    from heatwatch.audit.tests.tamper import append_only_triggers_suspended

    audit_log(action=Action.READ, actor=personas.advocate, object_type="tips.tip", object_id="1")
    entry = AuditEntry.objects.order_by("seq").last()
    from django.db import connection

    with append_only_triggers_suspended():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditentry SET object_id = %s WHERE seq = %s", ["2", entry.seq]
            )
    response = coordinator_client.get(URL)
    assert response.context["verification"].state == "broken"
    assert b"The audit chain is broken." in response.content


def test_a_long_tail_since_the_last_checkpoint_is_not_walked_on_the_page(personas):
    for n in range(5):
        audit_log(
            action=Action.READ, actor=personas.advocate, object_type="tips.tip", object_id=str(n)
        )
    assert selectors.verification_state(max_entries=3).state == "unchecked"


def test_who_saw_link_only_for_audit_readers(personas, login):
    from django.template import Context, Template
    from django.test import RequestFactory

    template = Template('{% load audit_links %}{% who_saw_link "cases.case" 5 %}')
    request = RequestFactory().get("/")
    request.user = personas.coordinator
    html = template.render(Context({"request": request}))
    assert "/staff/audit/?record_type=cases.case&amp;record_id=5" in html
    request.user = personas.analyst
    assert "audit" not in template.render(Context({"request": request}))


def test_the_tip_and_case_pages_link_to_who_saw_them(personas, login):
    from heatwatch.cases.tests.conftest import open_case
    from heatwatch.tips import services as tip_services
    from heatwatch.tips.models import Channel

    tip = tip_services.tip_submit(
        data=tip_services.TipInput(narrative="A youth is seen at the bus depot every night."),
        channel=Channel.WEB,
        issue_receipt=False,
    ).tip
    case = open_case(personas)
    coordinator = login(Client(), personas.coordinator)
    tip_page = coordinator.get(f"/staff/tips/{tip.pk}/")
    assert f"/staff/audit/?record_type=tips.tip&amp;record_id={tip.pk}" in tip_page.content.decode()
    case_page = coordinator.get(f"/staff/cases/{case.pk}/")
    assert (
        f"/staff/audit/?record_type=cases.case&amp;record_id={case.pk}"
        in case_page.content.decode()
    )
    # the care team's advocate (open_case puts them on it) reads the case, not the log
    advocate_page = login(Client(), personas.advocate).get(f"/staff/cases/{case.pk}/")
    assert advocate_page.status_code == 200
    assert "/staff/audit/" not in advocate_page.content.decode()

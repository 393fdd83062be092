"""Staff side of the tip line: queue, triage, referral to law enforcement, closure."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.tips import services
from heatwatch.tips.models import Channel, ReferralOutcome, Status, Tip, Urgency

pytestmark = pytest.mark.django_db


def make_tip(**overrides) -> Tip:
    data = services.TipInput(
        narrative=overrides.pop("narrative", "Seen with an older man at the motel on 5th."),
        red_flags=overrides.pop("red_flags", ["hotels"]),
        subject_age_range="15_17",
        online_handles=overrides.pop("online_handles", "@shared_handle_x"),
        **overrides,
    )
    return services.tip_submit(data=data).tip


@pytest.fixture
def coordinator(personas, login):
    return login(Client(), personas.coordinator)


@pytest.fixture
def officer(personas, login):
    return login(Client(), personas.officer)


def test_queue_lists_most_urgent_first(coordinator, django_assert_max_num_queries):
    routine = make_tip(red_flags=["older_partner"])
    immediate = make_tip(immediate_danger=True)
    high = make_tip()
    for _ in range(10):
        make_tip(red_flags=["older_partner"])
    with django_assert_max_num_queries(12):
        response = coordinator.get("/staff/tips/")
    body = response.content.decode()
    assert (
        body.index(immediate.reference) < body.index(high.reference) < body.index(routine.reference)
    )
    assert "Seen with an older man" not in body  # the queue shows no narrative


def test_queue_query_count_does_not_grow_with_tips(coordinator, django_assert_max_num_queries):
    for _ in range(3):
        make_tip()
    with django_assert_max_num_queries(12) as few:
        coordinator.get("/staff/tips/")
    for _ in range(30):
        make_tip()
    with django_assert_max_num_queries(len(few.captured_queries)):
        coordinator.get("/staff/tips/")


def test_spam_has_its_own_queue(coordinator):
    spam = services.tip_submit(
        data=services.TipInput(narrative="buy now"), honeypot_filled=True
    ).tip
    assert spam.reference not in coordinator.get("/staff/tips/").content.decode()
    assert spam.reference in coordinator.get("/staff/tips/?queue=spam").content.decode()
    coordinator.post(f"/staff/tips/{spam.pk}/spam/", {"likely_spam": "0"})
    assert spam.reference in coordinator.get("/staff/tips/").content.decode()


def test_reading_a_tip_is_audited(coordinator, personas):
    tip = make_tip()
    response = coordinator.get(f"/staff/tips/{tip.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(
        action=Action.READ,
        object_type="tips.tip",
        object_id=str(tip.pk),
        actor_id=personas.coordinator.pk,
    ).exists()


@pytest.mark.parametrize(
    "persona", ["advocate", "prosecutor", "analyst", "youth_lead", "administrator", "no_role"]
)
def test_other_roles_cannot_open_tips(personas, login, persona):
    tip = make_tip()
    client = login(Client(), getattr(personas, persona))
    assert client.get("/staff/tips/").status_code == 403
    assert client.get(f"/staff/tips/{tip.pk}/").status_code == 403
    assert client.post(f"/staff/tips/{tip.pk}/close/", {"reason": "no_action"}).status_code == 403
    assert Tip.objects.get().status == Status.NEW


def test_triage_sets_urgency_flags_and_assignee(coordinator, personas):
    tip = make_tip()
    response = coordinator.post(
        f"/staff/tips/{tip.pk}/triage/",
        {
            "urgency": "routine",
            "red_flags": ["hotels", "lingo"],
            "assignee": personas.coordinator.pk,
            "version": tip.version,
        },
    )
    assert response.status_code == 302
    tip.refresh_from_db()
    assert (tip.status, tip.urgency, tip.red_flags) == (
        Status.TRIAGED,
        Urgency.ROUTINE,
        ["hotels", "lingo"],
    )
    assert tip.urgency_computed == Urgency.HIGH  # what the answers said is kept
    assert tip.assignee == personas.coordinator


def test_concurrent_edits_never_silently_overwrite(coordinator, personas):
    tip = make_tip()
    stale_version = tip.version
    services.tip_triage(
        tip=tip,
        by=personas.coordinator,
        urgency="immediate",
        red_flags=["hotels"],
        assignee=None,
        version=stale_version,
    )
    response = coordinator.post(
        f"/staff/tips/{tip.pk}/triage/",
        {
            "urgency": "routine",
            "red_flags": [],
            "version": stale_version,
        },
    )
    assert response.status_code == 409
    assert b"Someone else changed this tip" in response.content
    tip.refresh_from_db()
    assert tip.urgency == Urgency.IMMEDIATE


def test_bad_action_input_shows_the_error_and_keeps_the_text(coordinator):
    tip = make_tip()
    response = coordinator.post(
        f"/staff/tips/{tip.pk}/close/", {"reason": "because", "version": tip.version}
    )
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    response = coordinator.post(f"/staff/tips/{tip.pk}/message/", {"body": "x" * 5001})
    assert response.status_code == 400
    assert ("x" * 5001).encode() in response.content


def test_referral_reaches_only_the_agency_and_its_outcome_is_recorded(
    coordinator, officer, personas, login, mailoutbox, django_capture_on_commit_callbacks
):
    tip = make_tip()
    other = make_tip(narrative="Another tip, not referred.")
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(
            f"/staff/tips/{tip.pk}/refer/",
            {"organisation": personas.police.pk, "note": "Please check the motel."},
        )
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.status == Status.REFERRED
    assert any("officer@example.test" in m.to for m in mailoutbox)

    inbox = officer.get("/staff/tips/").content.decode()
    assert tip.reference in inbox and other.reference not in inbox
    assert officer.get(f"/staff/tips/{other.pk}/").status_code == 404
    assert AuditEntry.objects.filter(
        action=Action.ACCESS_DENIED, object_id=str(other.pk), actor_id=personas.officer.pk
    ).exists()
    page = officer.get(f"/staff/tips/{tip.pk}/").content.decode()
    assert "Please check the motel." in page
    assert "Internal notes" not in page  # officers see no coordinator tools

    referral = tip.referrals.get()
    response = officer.post(
        f"/staff/tips/{tip.pk}/referrals/{referral.pk}/outcome/",
        {"outcome": "youth_recovered", "note": "Youth safe with family."},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.YOUTH_RECOVERED
    assert referral.outcome_by == personas.officer


def test_officer_cannot_record_outcomes_for_another_agency(personas, login):
    from heatwatch.accounts import services as accounts
    from heatwatch.accounts.models import OrganisationType

    sheriff = accounts.organisation_create(
        name="Test Sheriff", type=OrganisationType.LAW_ENFORCEMENT, by=None
    )
    tip = make_tip()
    referral = services.tip_refer(tip=tip, by=personas.coordinator, organisation=sheriff)
    client = login(Client(), personas.officer)
    assert client.get(f"/staff/tips/{tip.pk}/").status_code == 404
    response = client.post(
        f"/staff/tips/{tip.pk}/referrals/{referral.pk}/outcome/", {"outcome": "no_action"}
    )
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.PENDING


def test_refer_only_to_law_enforcement(personas):
    tip = make_tip()
    with pytest.raises(services.TipError):
        services.tip_refer(tip=tip, by=personas.coordinator, organisation=personas.provider)
    assert not tip.referrals.exists()


def test_phone_tip_with_receipt_for_the_caller(coordinator, client):
    response = coordinator.post(
        "/staff/tips/phone/",
        {
            "red_flags": ["missing"],
            "narrative": "Caller's niece keeps going missing.",
            "immediate_danger": "no",
            "subject_age_range": "12_14",
            "stay_anonymous": "on",
            "caller_notes": "Calls back after 6pm.",
            "issue_receipt": "on",
        },
    )
    assert response.status_code == 200
    assert b"Read this out to the caller now" in response.content
    tip = Tip.objects.get()
    assert tip.channel == Channel.PHONE and tip.logged_by is not None
    from heatwatch.tips.tests.conftest import receipt_from

    code = receipt_from(response)
    assert client.post("/report/follow-up/", {"code": code}).status_code == 200


def test_related_tips_are_found_by_handle_without_plaintext(coordinator):
    first = make_tip(online_handles="@Shared_Handle_X")
    second = make_tip(online_handles="https://social.example/shared_handle_x\n@shared_handle_x")
    page = coordinator.get(f"/staff/tips/{first.pk}/").content.decode()
    assert second.reference in page
    coordinator.post(
        f"/staff/tips/{first.pk}/link/", {"reference": second.reference, "reason": "same handle"}
    )
    assert first.links_out.count() + first.links_in.count() == 1
    response = coordinator.post(f"/staff/tips/{first.pk}/link/", {"reference": "T-0000-000000"})
    assert response.status_code == 400
    assert b"No tip with that reference" in response.content


def test_close_reopen_and_link_to_case(coordinator, personas):
    from heatwatch.cases.tests.conftest import open_case

    case = open_case(personas)
    tip = make_tip()
    coordinator.post(
        f"/staff/tips/{tip.pk}/close/", {"reason": "insufficient", "version": tip.version}
    )
    tip.refresh_from_db()
    assert tip.status == Status.CLOSED and tip.closed_at is not None
    coordinator.post(f"/staff/tips/{tip.pk}/reopen/")
    tip.refresh_from_db()
    assert tip.status == Status.TRIAGED
    # A reference that names no case (a typo) is refused: the tip would never be purged.
    response = coordinator.post(
        f"/staff/tips/{tip.pk}/link-case/",
        {"case_reference": "C-2026-0042", "version": tip.version},
    )
    assert response.status_code == 400
    assert "No case has this reference" in response.content.decode()
    tip.refresh_from_db()
    assert tip.status == Status.TRIAGED and tip.case_reference == ""
    coordinator.post(
        f"/staff/tips/{tip.pk}/link-case/",
        {"case_reference": case.reference.lower(), "version": tip.version},
    )
    tip.refresh_from_db()
    assert tip.status == Status.LINKED and tip.case_reference == case.reference
    page = coordinator.get(f"/staff/tips/{tip.pk}/").content.decode()
    assert f'href="/staff/cases/{case.pk}/"' in page


def test_attachments_download_decrypted_only_for_those_who_see_the_tip(coordinator, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from heatwatch.tips.tests.conftest import jpeg_with_gps

    photo = SimpleUploadedFile("x.jpg", jpeg_with_gps(), content_type="image/jpeg")
    tip = services.tip_submit(data=services.TipInput(narrative="photo"), attachments=[photo]).tip
    item = tip.attachments.get()
    response = coordinator.get(f"/staff/tips/{tip.pk}/files/{item.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content.startswith(b"\xff\xd8")
    assert response["Content-Disposition"].startswith("attachment;")
    assert officer.get(f"/staff/tips/{tip.pk}/files/{item.pk}/").status_code == 404


def _tip_with_photo() -> Tip:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from heatwatch.tips.tests.conftest import jpeg_with_gps

    photo = SimpleUploadedFile("IMG_jaz_phone.jpg", jpeg_with_gps(), content_type="image/jpeg")
    return services.tip_submit(data=services.TipInput(narrative="photo"), attachments=[photo]).tip


def test_attachment_download_is_named_by_reference_and_audited(coordinator, personas):
    tip = _tip_with_photo()
    item = tip.attachments.get()
    response = coordinator.get(f"/staff/tips/{tip.pk}/files/{item.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{tip.reference}-{item.pk}.jpg"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"IMG_jaz_phone" not in response["Content-Disposition"].encode()
    entry = AuditEntry.objects.get(
        action=Action.READ, object_type="tips.tipattachment", object_id=str(item.pk)
    )
    assert entry.actor_id == personas.coordinator.pk
    assert entry.reason == f"file of {tip.reference}"


def test_attachment_of_another_tip_is_not_found(coordinator):
    tip = _tip_with_photo()
    other = make_tip()
    item = tip.attachments.get()
    assert coordinator.get(f"/staff/tips/{other.pk}/files/{item.pk}/").status_code == 404
    assert coordinator.get(f"/staff/tips/{tip.pk}/files/{item.pk + 1000}/").status_code == 404
    assert not AuditEntry.objects.filter(action=Action.READ, object_type="tips.tipattachment")


def test_attachment_for_download_refuses_who_may_not_see_the_tip(personas):
    from django.http import Http404

    from heatwatch.tips import selectors

    tip = _tip_with_photo()
    item = tip.attachments.get()
    with pytest.raises(Http404):
        selectors.attachment_for_download(
            user=personas.officer, tip_pk=tip.pk, attachment_pk=item.pk
        )
    assert AuditEntry.objects.filter(
        action=Action.ACCESS_DENIED, object_type="tips.tip", object_id=str(tip.pk)
    ).exists()
    download = selectors.attachment_for_download(
        user=personas.coordinator, tip_pk=tip.pk, attachment_pk=item.pk
    )
    assert download.content_type == "image/jpeg"
    assert download.content.startswith(b"\xff\xd8")
    assert download.filename == f"{tip.reference}-{item.pk}.jpg"

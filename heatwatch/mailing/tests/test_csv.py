"""CSV import and export of subscribers: a dry run reporting every bad line by number, all or
nothing, never mailing, never re-subscribing an unsubscribed or suppressed address, the
consent source recorded; the export formula-safe and audited."""

from __future__ import annotations

import csv
import io
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from heatwatch.audit.models import AuditEntry
from heatwatch.mailing import services
from heatwatch.mailing.models import ConsentSource, Subscriber, SubscriberStatus
from heatwatch.mailing.tests.conftest import make_subscriber

pytestmark = pytest.mark.django_db

GOOD = (
    "email,name,organisation,interests,language\n"
    "new.one@example.test,New One,Bayview Clinic,newsletter;trainings,es\n"
    "new.two@example.test,,,,\n"
)
BAD = (
    "email,name,interests,language\n"
    "fine@example.test,Fine,,\n"
    "not-an-address,Nobody,,\n"
    "odd@example.test,Odd,gardening,\n"
    "lang@example.test,Lang,,fr\n"
    "FINE@example.test,Again,,\n"
    "short@example.test\n"
)


@pytest.fixture
def coordinator(personas, login):
    return login(Client(), personas.coordinator)


def upload(client, text: str, *, dry_run: bool, consent: str = "Sign-up sheet, March training"):
    data = {
        "file": SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv"),
        "consent": consent,
    }
    if dry_run:
        data["dry_run"] = "on"
    return client.post("/staff/mailing/subscribers/import/", data)


def test_a_dry_run_reports_every_bad_line_by_number_and_changes_nothing(coordinator, mailoutbox):
    response = upload(coordinator, BAD, dry_run=True)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    for expected in (
        "line 3: “not-an-address” is not an e-mail address",
        "line 4: unknown interest",
        "line 5: language must be en or es",
        "line 6: the same address as line 2",
        "line 7: 1 columns, the header has 4",
    ):
        assert expected in page
    assert "line 2:" not in page
    assert not Subscriber.objects.exists()
    # Without the dry run, the same file imports nothing either (all or nothing).
    assert upload(coordinator, BAD, dry_run=False).status_code == 400
    assert not Subscriber.objects.exists()
    assert mailoutbox == []


def test_an_import_adds_confirmed_subscribers_with_the_consent_and_mails_nobody(
    coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    dry = upload(coordinator, GOOD, dry_run=True)
    assert dry.status_code == 200 and "2 would be added" in dry.content.decode()
    assert not Subscriber.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = upload(coordinator, GOOD, dry_run=False)
    assert "2 added" in done.content.decode()
    one = Subscriber.objects.get(email_index=services.email_index("new.one@example.test"))
    assert one.status == SubscriberStatus.CONFIRMED
    assert one.consent_source == ConsentSource.IMPORT
    assert one.consent_note == "Sign-up sheet, March training"
    assert one.interests == ["newsletter", "trainings"] and one.language == "es"
    assert one.organisation == "Bayview Clinic"
    two = Subscriber.objects.get(email_index=services.email_index("new.two@example.test"))
    assert two.interests == ["newsletter"] and two.language == "en"
    assert mailoutbox == []
    assert AuditEntry.objects.filter(reason__startswith="CSV import: 2 added").exists()


def test_an_import_never_resubscribes_an_unsubscribed_or_suppressed_address(
    coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    left = make_subscriber("left@example.test")
    services.unsubscribe(subscriber=left, how="test")
    bounced = make_subscriber("bounced@example.test")
    Subscriber.objects.filter(pk=bounced.pk).update(status=SubscriberStatus.SUPPRESSED)
    mailoutbox.clear()
    text = "email,interests\nleft@example.test,events\nbounced@example.test,\nnew@example.test,\n"
    with django_capture_on_commit_callbacks(execute=True):
        done = upload(coordinator, text, dry_run=False)
    assert "1 added; 2 already on the list" in done.content.decode()
    left.refresh_from_db()
    bounced.refresh_from_db()
    assert left.status == SubscriberStatus.UNSUBSCRIBED and not left.wants_events
    assert bounced.status == SubscriberStatus.SUPPRESSED
    assert mailoutbox == []


def test_an_import_needs_the_consent_source(coordinator):
    response = upload(coordinator, GOOD, dry_run=False, consent="")
    assert response.status_code == 400
    assert not Subscriber.objects.exists()


def test_the_command_reports_bad_lines_and_exits_1(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(BAD)
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("mailing", "import", str(path), "--consent", "paper", stderr=err)
    assert exit_info.value.code == 1
    assert "line 3:" in err.getvalue() and "nothing was imported" in err.getvalue()
    path.write_text(GOOD)
    out = StringIO()
    call_command("mailing", "import", str(path), "--consent", "paper", "--dry-run", stdout=out)
    assert "would add 2" in out.getvalue()
    assert not Subscriber.objects.exists()


def test_the_export_is_formula_safe_and_audited(coordinator, personas):
    make_subscriber("=HYPERLINK(x)@example.test".replace("=HYPERLINK(x)", "ana"))
    Subscriber.objects.update(name='=HYPERLINK("http://evil.example","x")')
    response = coordinator.post("/staff/mailing/subscribers/export/", {"statuses": ["confirmed"]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "email" and rows[1][0] == "ana@example.test"
    assert rows[1][1].startswith("'=HYPERLINK")
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.actor_id == personas.coordinator.pk and "1 subscribers" in entry.reason


@pytest.mark.parametrize("persona", ["advocate", "officer", "analyst", "administrator"])
def test_other_staff_cannot_import_export_or_see_suppressions(personas, login, persona):
    client = login(Client(), getattr(personas, persona))
    assert client.get("/staff/mailing/subscribers/").status_code == 403
    assert (
        client.post("/staff/mailing/subscribers/export/", {"statuses": ["confirmed"]}).status_code
        == 403
    )
    assert upload(client, GOOD, dry_run=False).status_code == 403
    assert not Subscriber.objects.exists()

"""``heatwatch mailing bounces FILE``: RFC 3464 and other bounces from an mbox or a Maildir,
tied to their subscriber by the VERP token; hard and soft scoring; forged tokens and bad files;
the coordinators' suppression list and un-suppress (audited)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from heatwatch.audit.models import AuditEntry
from heatwatch.mailing import emails, services
from heatwatch.mailing.models import Bounce, Delivery, Subscriber, SubscriberStatus
from heatwatch.mailing.tests.conftest import make_subscriber
from heatwatch.mailing.tests.test_sending import newsletter

pytestmark = pytest.mark.django_db

BOUNCE_BASE = "bounces@bayview.example"
DIAGNOSTIC = {"failed": "550 5.1.1 user unknown", "delayed": "451 4.2.2 mailbox full"}


def dsn(to: str, *, status: str = "5.1.1", recipient: str = "ana@example.test", n: int = 1) -> str:
    """An RFC 3464 delivery-status notification, as an MTA returns it to the VERP address."""
    action = "failed" if status.startswith("5") else "delayed"
    return f"""From MAILER-DAEMON Mon Dec  1 10:00:0{n} 2026
Return-Path: <>
Delivered-To: {to}
To: {to}
From: Mail Delivery System <MAILER-DAEMON@mx.example.test>
Subject: Undelivered Mail Returned to Sender {n}
Date: Mon, 1 Dec 2026 10:00:0{n} +0000
Message-ID: <bounce-{n}-{status}@mx.example.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain

Your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.test

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {DIAGNOSTIC[action]}

--BOUNDARY
Content-Type: text/rfc822-headers

Subject: Winter newsletter

--BOUNDARY--

"""


@pytest.fixture
def sent(smtp_sink, settings):
    """Ana and Ben were sent a newsletter with VERP envelope senders."""
    settings.HEATWATCH_MAILING_BOUNCE_ADDRESS = BOUNCE_BASE
    ana = make_subscriber("ana@example.test")
    ben = make_subscriber("ben@example.test")
    item = newsletter()
    from heatwatch.mailing import tasks

    tasks.send_newsletter.enqueue(newsletter_id=item.pk)
    verp = {r.rcpt_tos[0]: r.mail_from for r in smtp_sink.received}
    return {"ana": ana, "ben": ben, "verp": verp}


def status_of(subscriber: Subscriber) -> str:
    subscriber.refresh_from_db()
    return subscriber.status


def run(path: Path, *args: str) -> str:
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("mailing", "bounces", str(path), *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return f"exit {exc.code}\n{out.getvalue()}{err.getvalue()}"
    return out.getvalue() + err.getvalue()


def test_a_hard_bounce_suppresses_at_once_and_reading_again_counts_it_once(sent, tmp_path):
    box = tmp_path / "bounces.mbox"
    box.write_text(dsn(sent["verp"]["ana@example.test"]))
    out = run(box)
    assert "1 hard and 0 soft bounces recorded, 1 addresses suppressed" in out
    assert status_of(sent["ana"]) == SubscriberStatus.SUPPRESSED
    assert "5.1.1" in sent["ana"].suppressed_reason
    assert "ana@example.test" not in sent["ana"].suppressed_reason
    assert status_of(sent["ben"]) == SubscriberStatus.CONFIRMED
    assert "1 already read before" in run(box)
    assert Bounce.objects.count() == 1


def test_soft_bounces_suppress_after_the_limit_within_the_window(sent, tmp_path, settings):
    settings.HEATWATCH_MAILING_SOFT_BOUNCE_LIMIT = 3
    verp = sent["verp"]["ben@example.test"]
    box = tmp_path / "soft.mbox"
    box.write_text(
        dsn(verp, status="4.2.2", recipient="ben@example.test", n=1)
        + dsn(verp, status="4.2.2", recipient="ben@example.test", n=2)
    )
    assert "0 hard and 2 soft bounces recorded, 0 addresses suppressed" in run(box)
    assert status_of(sent["ben"]) == SubscriberStatus.CONFIRMED
    box.write_text(dsn(verp, status="4.2.2", recipient="ben@example.test", n=3))
    assert "1 addresses suppressed" in run(box)
    assert status_of(sent["ben"]) == SubscriberStatus.SUPPRESSED
    assert sent["ben"].suppressed_reason.startswith("3 soft bounces in 30 days")


def test_soft_bounces_outside_the_window_do_not_count(sent, tmp_path, settings):
    settings.HEATWATCH_MAILING_SOFT_BOUNCE_LIMIT = 2
    verp = sent["verp"]["ben@example.test"]
    old = dsn(verp, status="4.2.2", recipient="ben@example.test", n=1).replace(
        "Mon, 1 Dec 2026", "Mon, 1 Sep 2025"
    )
    box = tmp_path / "soft.mbox"
    box.write_text(old + dsn(verp, status="4.2.2", recipient="ben@example.test", n=2))
    run(box)
    assert status_of(sent["ben"]) == SubscriberStatus.CONFIRMED


def test_a_forged_verp_token_is_refused_and_changes_nothing(sent, tmp_path):
    genuine = sent["verp"]["ana@example.test"]
    pk = Delivery.objects.get(subscriber=sent["ana"]).pk
    # Someone who knows the format but not the key, aiming at Ben's record.
    ben_pk = Delivery.objects.get(subscriber=sent["ben"]).pk
    forged = genuine.replace(f"+{pk}-", f"+{ben_pk}-")
    box = tmp_path / "forged.mbox"
    box.write_text(dsn(forged, recipient="ben@example.test"))
    out = run(box)
    assert out.startswith("exit 1")
    assert "refused: message 1 (line 1): forged or altered VERP token; ignored" in out
    assert status_of(sent["ben"]) == SubscriberStatus.CONFIRMED
    assert not Bounce.objects.exists()


def test_a_bounce_without_a_token_counts_only_when_trusted(sent, tmp_path):
    box = tmp_path / "plain.mbox"
    box.write_text(dsn("heatwatch@localhost", recipient="ana@example.test"))
    assert "no VERP token" in run(box)
    assert status_of(sent["ana"]) == SubscriberStatus.CONFIRMED
    run(box, "--trust-unsigned")
    assert status_of(sent["ana"]) == SubscriberStatus.SUPPRESSED


def test_a_maildir_is_read_and_an_auto_reply_is_not_a_bounce(sent, tmp_path):
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    message = dsn(sent["verp"]["ana@example.test"]).split("\n", 1)[1]
    (maildir / "new" / "1700000000.1.host").write_text(message)
    reply = f"To: {sent['verp']['ben@example.test']}\nSubject: Out of office\n\nBack Monday.\n"
    (maildir / "cur" / "1700000001.2.host:2,S").write_text(reply)
    out = run(maildir)
    assert "ignored: Maildir file cur/1700000001.2.host:2,S: not a bounce" in out
    assert status_of(sent["ana"]) == SubscriberStatus.SUPPRESSED
    assert status_of(sent["ben"]) == SubscriberStatus.CONFIRMED


def test_a_file_that_is_not_an_mbox_names_the_line(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("\n\nthese are not messages\n")
    with pytest.raises(CommandError, match=r"notes.txt line 3: not an mbox file"):
        call_command("mailing", "bounces", str(bad))
    with pytest.raises(CommandError, match="no such file"):
        call_command("mailing", "bounces", str(tmp_path / "missing.mbox"))
    (tmp_path / "dir").mkdir()
    with pytest.raises(CommandError, match="not a Maildir"):
        call_command("mailing", "bounces", str(tmp_path / "dir"))


def test_the_heatwatch_cli_runs_the_bounces_command(tmp_path):
    bad = tmp_path / "bad.mbox"
    bad.write_text("hello\n")
    result = subprocess.run(  # noqa: S603 - our own CLI
        [str(Path(".venv/bin/heatwatch").resolve()), "mailing", "bounces", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "line 1: not an mbox file" in result.stderr


def test_a_coordinator_sees_suppressions_with_the_reason_and_lifts_one(
    sent, tmp_path, personas, login
):
    box = tmp_path / "bounces.mbox"
    box.write_text(dsn(sent["verp"]["ana@example.test"]))
    run(box)
    coordinator = login(Client(), personas.coordinator)
    page = coordinator.get("/staff/mailing/subscribers/").content.decode()
    assert "ana@example.test" in page and "hard bounce: 5.1.1" in page
    assert "ben@example.test" not in page
    empty = coordinator.post(f"/staff/mailing/subscribers/{sent['ana'].pk}/unsuppress/", {})
    assert empty.status_code == 400
    assert status_of(sent["ana"]) == SubscriberStatus.SUPPRESSED
    done = coordinator.post(
        f"/staff/mailing/subscribers/{sent['ana'].pk}/unsuppress/",
        {"reason": "She wrote to us: the mailbox works again"},
    )
    assert done.status_code == 302
    assert status_of(sent["ana"]) == SubscriberStatus.CONFIRMED
    entry = AuditEntry.objects.filter(reason__startswith="un-suppressed").get()
    assert entry.actor_id == personas.coordinator.pk
    assert "mailbox works again" in entry.reason
    # Her earlier bounce no longer counts; lifting again is a 404 (not suppressed).
    again = coordinator.post(
        f"/staff/mailing/subscribers/{sent['ana'].pk}/unsuppress/", {"reason": "x"}
    )
    assert again.status_code == 404


def test_a_suppressed_address_is_not_resubscribed_by_the_form(sent, tmp_path):
    box = tmp_path / "bounces.mbox"
    box.write_text(dsn(sent["verp"]["ana@example.test"]))
    run(box)
    services.subscribe(
        data=services.SubscribeInput(email="ana@example.test", interests=["newsletter"]),
        source_key="again",
    )
    assert status_of(sent["ana"]) == SubscriberStatus.SUPPRESSED
    assert emails.delivery_from_verp(sent["verp"]["ana@example.test"]) is not None

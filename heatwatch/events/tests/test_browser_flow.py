"""Issue 12's whole flow in a real headless Chromium, every step through the pages a person
would use: a school requests a training; the coordinator (signed in with two factors) accepts
it in the staff queue, which creates the event (2 places, public); two people register on its
page and it is full; a third joins the waitlist; one registrant cancels on the personal link of
their e-mail (read at a real SMTP sink); the freed place is held for the third, who takes it on
the one-click link of the offer; the coordinator moves the event and the registrants are sent
the entry again (METHOD:REQUEST, same UID, higher SEQUENCE); check-in on a 390 px phone
(search, tick); the report counts the people trained from the check-ins. Each public page the
flow opens is scanned with axe-core at 320 px."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from icalendar import Calendar

from heatwatch.conftest import PASSWORD, totp_code
from heatwatch.core.tests.test_browser import AXE
from heatwatch.events.models import Event, Registration, TrainingRequest
from heatwatch.events.tests.conftest import MANAGE_RE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ACCEPT_RE = re.compile(r"(/(?:es/)?events/registration/[^/\s]+/accept/)")
REQUEST_LINK_RE = re.compile(r"(/(?:es/)?training/request/[^/\s]+/)")
PHONE = {"width": 320, "height": 700}


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _axe(page, scanned: list[str]) -> None:
    """No serious or critical WCAG 2.1 A/AA violation on the page as it is now, and no
    sideways scrolling. The public contexts bypass the CSP only so that axe (an inline
    script) can be injected. The footer's newsletter hint is the mailing app's to fix (as in
    test_browser_events)."""
    assert _fits(page), f"{page.url} scrolls sideways at {page.viewport_size['width']} px"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run({exclude: [['#hw-footer-signup-hint']]}, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], (
        page.url,
        [(v["id"], [n["target"] for n in v["nodes"]]) for v in serious],
    )
    scanned.append(page.url)


def _field(page, label: str):
    """The field labelled exactly ``label`` (a required one's label ends in "*")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _calendar(message) -> Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


def _entry(message) -> tuple[str, str, int, dt.datetime]:
    """METHOD, UID, SEQUENCE and DTSTART of the calendar entry attached to ``message``."""
    cal = _calendar(message)
    (vevent,) = cal.walk("VEVENT")
    return (
        str(cal["METHOD"]),
        str(vevent["UID"]),
        int(vevent["SEQUENCE"]),
        vevent.decoded("DTSTART"),
    )


def _local_input(value: dt.datetime) -> str:
    """A time as a datetime-local field takes it, in the program's time zone."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _register(public, url: str, name: str, email: str, scanned: list[str]):
    """A person on a phone registers on the event's page; returns their page."""
    page = public.new_page()
    page.goto(url)
    _axe(page, scanned)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Your e-mail").fill(email)
    page.get_by_label("Which describes you best?").select_option("school")
    page.get_by_role("button", name="Register").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    _axe(page, scanned)
    return page


@pytest.fixture
def contexts(browser):
    """New browser contexts, closed after the test even when it fails (the browser is the
    session's)."""
    made = []

    def new(**options):
        made.append(browser.new_context(**options))
        made[-1].set_default_timeout(10_000)
        return made[-1]

    yield new
    for context in made:
        context.close()


def test_request_to_report_through_the_pages(contexts, live_server, personas, smtp_sink):
    base = live_server.url
    scanned: list[str] = []

    # 1. A school asks for a training on the public form. (The public pages set no cookie,
    # so every member of the public can share one context, each on a page of their own.)
    public = contexts(viewport=PHONE, bypass_csp=True)
    requester = public.new_page()
    requester.goto(f"{base}/training/request/")
    _axe(requester, scanned)
    requester.get_by_label("Organisation").fill("Bayview Middle School")
    requester.get_by_label("Sector").select_option("school")
    requester.get_by_label("Your name").fill("Jordan Example")
    requester.get_by_label("Your e-mail").fill("jordan@example.test")
    requester.get_by_label("Who would attend?").fill("Counsellors and teachers")
    requester.get_by_label("About how many people?").fill("30")
    # USWDS draws its own checkboxes and radios: people click the label.
    requester.locator("label").get_by_text("Red flags", exact=True).click()
    _field(requester, "Language").select_option("en")
    requester.locator("label").get_by_text("In person", exact=True).click()
    assert _field(requester, "In person").is_checked()
    requester.get_by_label("Where (for a training in person)").fill("12 School Road, Bayview")
    requester.get_by_role("button", name="Send the request").click()
    requester.get_by_role("heading", name="Request received").wait_for()
    _axe(requester, scanned)
    (confirmation,) = smtp_sink.to("jordan@example.test")
    request_link = REQUEST_LINK_RE.search(_body(confirmation)).group(1)
    requester.goto(f"{base}{request_link}")
    requester.get_by_text("A coordinator has not answered yet.").wait_for()
    _axe(requester, scanned)

    # 2. The coordinator accepts it from the queue: the event form is filled in from the
    # request; they set the date, 2 places and make it public (registration opens at once).
    staff = contexts()
    csp_refusals: list[str] = []
    coordinator = staff.new_page()
    coordinator.on(
        "console", lambda m: csp_refusals.append(m.text) if "Refused" in m.text else None
    )
    coordinator.goto(f"{base}/staff/events/requests/")
    coordinator.get_by_label("Username").fill(personas.coordinator.username)
    coordinator.get_by_label("Password").fill(PASSWORD)
    coordinator.get_by_role("button", name="Next").click()
    coordinator.get_by_label("Token").fill(totp_code(personas.coordinator))
    coordinator.get_by_role("button", name="Next").click()
    coordinator.wait_for_url(f"{base}/staff/events/requests/")
    coordinator.get_by_role("link", name="Bayview Middle School").click()
    coordinator.get_by_role("heading", name="Accept: create the event").wait_for()
    starts = (timezone.localtime() + dt.timedelta(days=10)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    _field(coordinator, "Starts").fill(_local_input(starts))
    _field(coordinator, "Ends").fill(_local_input(starts + dt.timedelta(hours=2)))
    _field(coordinator, "Places").fill("2")
    coordinator.locator("label").get_by_text("Public", exact=True).click()
    assert _field(coordinator, "Public").is_checked()
    coordinator.get_by_role("button", name="Accept and create the event").click()
    coordinator.get_by_text("Request accepted; the event is created.").wait_for()
    event = Event.objects.get()
    assert TrainingRequest.objects.get().event == event
    assert event.capacity == 2 and event.is_public
    assert coordinator.url == f"{base}/staff/events/{event.pk}/"
    answer = smtp_sink.to("jordan@example.test")[-1]
    assert "Your training request is accepted" in answer["Subject"]
    requester.goto(f"{base}{request_link}")
    requester.get_by_text("Accepted.").wait_for()
    _axe(requester, scanned)

    # 3. Two people register on the event's public page; it is full. A third joins the
    # waitlist: the page shows the length, never a name.
    event_url = f"{base}/events/{event.slug}/"
    _register(public, event_url, "Ana Sample", "ana@example.test", scanned)
    _register(public, event_url, "Ben Sample", "ben@example.test", scanned)
    (ana_mail,) = smtp_sink.to("ana@example.test")
    (ben_mail,) = smtp_sink.to("ben@example.test")
    assert "You are registered." in _body(ana_mail)
    method, ben_uid, ben_sequence, _ = _entry(ben_mail)
    assert method == "REQUEST"
    cam = _register(public, event_url, "Cam Sample", "cam@example.test", scanned)
    cam.goto(event_url)
    cam.get_by_text("Full; 1 person on the waitlist").wait_for()
    assert "Ana" not in cam.content()
    _axe(cam, scanned)
    (cam_mail,) = smtp_sink.to("cam@example.test")
    assert "You are on the waitlist" in cam_mail["Subject"]
    assert [r.status for r in Registration.objects.order_by("pk")] == [
        "confirmed",
        "confirmed",
        "waitlisted",
    ]

    # 4. Ana cancels on the personal link of her e-mail.
    ana = public.new_page()
    ana.goto(f"{base}{MANAGE_RE.search(_body(ana_mail)).group(1)}")
    ana.get_by_text("You have a place.").wait_for()
    _axe(ana, scanned)
    ana.get_by_role("button", name="Cancel my registration").click()
    ana.get_by_text("Your registration is cancelled").wait_for()
    _axe(ana, scanned)

    # 5. The place is held for Cam (offered in Ana's cancellation, under the event's lock;
    # no task involved) and Cam is e-mailed the one-click link; its page takes nothing until
    # the button is pressed.
    offer = smtp_sink.to("cam@example.test")[-1]
    assert "A place is held for you" in offer["Subject"]
    cam.goto(f"{base}{ACCEPT_RE.search(_body(offer)).group(1)}")
    cam.get_by_role("button", name="Take the place").wait_for()
    assert {r.name: r.status for r in Registration.objects.all()}["Cam Sample"] == "offered"
    _axe(cam, scanned)
    cam.get_by_role("button", name="Take the place").click()
    cam.get_by_text("The place is yours.").wait_for()
    _axe(cam, scanned)
    cam_confirmed = smtp_sink.to("cam@example.test")[-1]
    _, cam_uid, cam_sequence, _ = _entry(cam_confirmed)
    statuses = {r.name: r.status for r in Registration.objects.all()}
    assert statuses == {
        "Ana Sample": "cancelled",
        "Ben Sample": "confirmed",
        "Cam Sample": "confirmed",
    }

    # 6. The coordinator moves the event one hour later in its edit form; Ben and Cam are
    # sent their entry again (the update task runs on commit; the test settings run tasks at
    # once, as the worker would), Ana is not.
    before = {
        a: len(smtp_sink.to(a))
        for a in ("ana@example.test", "ben@example.test", "cam@example.test")
    }
    coordinator.goto(f"{base}/staff/events/{event.pk}/edit/")
    later = starts + dt.timedelta(hours=1)
    _field(coordinator, "Starts").fill(_local_input(later))
    _field(coordinator, "Ends").fill(_local_input(later + dt.timedelta(hours=2)))
    coordinator.get_by_role("button", name="Save the event").click()
    coordinator.get_by_text("Event saved.").wait_for()
    assert len(smtp_sink.to("ana@example.test")) == before["ana@example.test"]
    for address, uid, sequence in (
        ("ben@example.test", ben_uid, ben_sequence),
        ("cam@example.test", cam_uid, cam_sequence),
    ):
        mails = smtp_sink.to(address)
        assert len(mails) == before[address] + 1, address
        update = mails[-1]
        method, new_uid, new_sequence, new_start = _entry(update)
        assert method == "REQUEST"
        assert new_uid == uid
        assert new_sequence > sequence
        assert new_start == later
        assert f"/events/{event.slug}/" in _body(update)  # the event's link in the body

    # 7. Check-in at the door on a 390 px phone: search, tick.
    coordinator.set_viewport_size({"width": 390, "height": 844})
    coordinator.goto(f"{base}/staff/events/{event.pk}/")
    search = coordinator.get_by_role("search")
    search.get_by_label("Search by name, e-mail or organisation").fill("Cam")
    search.get_by_role("button", name="Search").click()
    coordinator.wait_for_url(re.compile(r"\?q=Cam$"))
    row = coordinator.get_by_role("row").filter(has_text="Cam Sample")
    assert coordinator.get_by_role("row").filter(has_text="Ben Sample").count() == 0
    assert _fits(coordinator)
    row.get_by_role("button", name="Check in").click()
    coordinator.get_by_role("row").filter(has_text="Cam Sample").get_by_text("Present").wait_for()
    assert _fits(coordinator)
    checked = {r.name: bool(r.checked_in_at) for r in Registration.objects.all()}
    assert checked == {"Ana Sample": False, "Ben Sample": False, "Cam Sample": True}

    # 8. The report counts people trained from check-ins: one, though two places are booked.
    coordinator.set_viewport_size({"width": 1280, "height": 900})
    coordinator.goto(f"{base}/staff/events/reports/")
    _field(coordinator, "From").fill(timezone.localdate().isoformat())
    _field(coordinator, "To").fill((timezone.localdate() + dt.timedelta(days=60)).isoformat())
    coordinator.get_by_label("People trained by").select_option("audience")
    coordinator.get_by_role("button", name="Show").click()
    coordinator.wait_for_url(re.compile(r"/staff/events/reports/\?start="))
    assert coordinator.locator("[data-people-total]").inner_text() == "1"
    assert coordinator.locator("tr[data-key='school'] td").last.inner_text() == "1"
    assert csp_refusals == []

    assert len(scanned) >= 12, scanned

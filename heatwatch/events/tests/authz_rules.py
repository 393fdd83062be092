"""Who may open the events URLs (collected by the authorization matrix)."""

from heatwatch.core.tests.test_authorization_matrix import COORDINATOR, EVERYONE, STAFF

EVENT_CREATORS = frozenset({"coordinator", "youth_lead"})
REPORT_READERS = frozenset({"coordinator", "analyst"})
# Any role reaches an event's pages; the event is fetched scoped to the user (run or
# presented by them), so a dummy id is 404 for everyone and a real one for outsiders.
ANY_ROLE = STAFF - {"no_role"}

RULES = [
    # public, in English and under /es/: the list, the feed, an event's page and .ics (a
    # dummy slug 404s), a registrant's personal link and its accept page, a survey link (a
    # dummy key 404s)
    (r"^(es/)?events/$", EVERYONE),
    (r"^(es/)?events/calendar\.ics$", EVERYONE),
    (r"^(es/)?events/registration/<str:key>/", EVERYONE),
    (r"^(es/)?events/survey/<str:key>/$", EVERYONE),
    (r"^(es/)?events/<slug:key>/", EVERYONE),
    # the training request form and the requester's personal link (a dummy key 404s)
    (r"^(es/)?training/request/$", EVERYONE),
    (r"^(es/)?training/request/<str:key>/$", EVERYONE),
    # staff. The list: those who run events (a presenter of some event too; the personas
    # present none). Creating: coordinators and youth leads (youth events only). Reports:
    # coordinators and analysts. Training requests: coordinators. Everyone else gets 403
    # (anonymous: the login page). POST-only actions answer 405 to a GET.
    (r"^staff/events/$", EVENT_CREATORS),
    (r"^staff/events/new/$", EVENT_CREATORS),
    (r"^staff/events/series/", EVENT_CREATORS),
    (r"^staff/events/(trained/|reports/|reports\.csv)", REPORT_READERS),
    (r"^staff/events/requests/", COORDINATOR),
    (
        r"^staff/events/<int:pk>/(edit/|cancel/|materials/|registrations/<int:registration_pk>/cancel/)",
        EVENT_CREATORS,
    ),
    (r"^staff/events/<int:pk>/", ANY_ROLE),
    # API: public events and one event (a dummy slug 404s); an event's registrations for
    # those who run events (a dummy id 404s; 403 for the rest, 401 without a session)
    (r"^api/events/<int:event_id>/registrations$", EVENT_CREATORS),
    (r"^api/events(/<slug>)?$", EVERYONE),
]

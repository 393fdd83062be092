"""Who may open the events URLs (collected by the authorization matrix)."""

from heatwatch.core.tests.test_authorization_matrix import COORDINATOR, EVERYONE

RULES = [
    # public, in English and under /es/: the list, the feed, an event's page and .ics (a
    # dummy slug 404s), a registrant's personal link (a dummy key 404s)
    (r"^(es/)?events/$", EVERYONE),
    (r"^(es/)?events/calendar\.ics$", EVERYONE),
    (r"^(es/)?events/registration/<str:key>/$", EVERYONE),
    (r"^(es/)?events/<slug:key>/", EVERYONE),
    # the training request form and the requester's personal link (a dummy key 404s)
    (r"^(es/)?training/request/$", EVERYONE),
    (r"^(es/)?training/request/<str:key>/$", EVERYONE),
    # staff: coordinators run events; everyone else gets 403 (anonymous: the login page).
    # Check-in, cancel, accepting and declining a request are POST-only: 405 to a
    # coordinator's GET.
    (r"^staff/events/", COORDINATOR),
]

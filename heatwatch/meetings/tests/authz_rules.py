"""Who may open the meeting URLs (collected by the authorization matrix).

Record-level access (invited, acknowledged, closed meetings) is tested in test_views.py and
test_permissions.py; the matrix checks the role gate: analysts, youth leads, administrators
and accounts without a role get 403 on every meeting page, and only coordinators reach the
pages that run a meeting (the POST-only ones answer 405 to a coordinator's GET).
"""

from heatwatch.core.tests.test_authorization_matrix import COORDINATOR

CASE_STAFF = frozenset({"coordinator", "advocate", "advocate_other", "officer", "prosecutor"})

RULES = [
    (r"^staff/meetings/$", CASE_STAFF),
    (r"^staff/meetings/new/$", COORDINATOR),
    # my action items and the POST-only "mark done"
    (r"^staff/meetings/actions/", CASE_STAFF),
    # briefings and the acknowledgement: invited attendees (checked per meeting)
    (r"^staff/meetings/<int:pk>/briefing/$", CASE_STAFF),
    (r"^staff/meetings/<int:pk>/agenda/<int:item_pk>/briefing/$", CASE_STAFF),
    (r"^staff/meetings/<int:pk>/attendees/<int:attendee_pk>/acknowledge/$", CASE_STAFF),
    # running the meeting: start, close, agenda, invitations, attendance, decisions
    (r"^staff/meetings/<int:pk>/(start|close)/$", COORDINATOR),
    (r"^staff/meetings/<int:pk>/agenda/", COORDINATOR),
    (r"^staff/meetings/<int:pk>/attendees/", COORDINATOR),
    (r"^staff/meetings/<int:pk>/actions/", COORDINATOR),
    (r"^staff/meetings/<int:pk>/$", CASE_STAFF),
]

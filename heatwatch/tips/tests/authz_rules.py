"""Who may open the tip line's URLs (collected by the authorization matrix)."""

from heatwatch.core.tests.test_authorization_matrix import EVERYONE

COORDINATOR = frozenset({"coordinator"})
TIP_STAFF = frozenset({"coordinator", "officer"})
OFFICER = frozenset({"officer"})

RULES = [
    # public: the tip form and the tipster's follow-up, in English and under /es/
    (r"^(es/)?report/$", EVERYONE),
    (r"^(es/)?report/follow-up/$", EVERYONE),
    # staff: the queue (officers get their referral inbox), a tip, its files
    (r"^staff/tips/$", TIP_STAFF),
    (r"^staff/tips/<int:pk>/$", TIP_STAFF),
    (r"^staff/tips/<int:pk>/files/", TIP_STAFF),
    # POST-only actions: the role check comes first (403 for others), so the allowed role
    # gets 405 to a GET and everyone else 403. The POSTs are tested in tests/test_staff.py.
    (r"^staff/tips/phone/$", COORDINATOR),
    # a recovered youth's case intake (GET form): coordinators, who open cases
    (r"^staff/tips/<int:pk>/referrals/<int:referral_pk>/intake/$", COORDINATOR),
    (r"^staff/tips/<int:pk>/referrals/", OFFICER),  # the officer's acknowledge and outcome
    (r"^staff/tips/<int:pk>/", COORDINATOR),  # triage, message, note, refer, close…
]

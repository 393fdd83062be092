"""Who may open the API's URLs with a staff session (collected by the authorization matrix).

The matrix requests with GET as each persona. ``POST /api/tips`` (partner hotlines) takes an
API token, never a session; its tests are in heatwatch/tips/tests/test_api_tips.py.
"""

from heatwatch.core.tests.test_authorization_matrix import EVERYONE, STAFF

TIP_STAFF = frozenset({"coordinator", "officer"})
CASE_STAFF = frozenset({"coordinator", "advocate", "advocate_other", "officer", "prosecutor"})

RULES = [
    (r"^api/tips$", TIP_STAFF),  # GET: the queue (officers: their agency's referrals)
    (r"^api/tips/<int:tip_id>$", TIP_STAFF),  # GET: one tip (404 outside the officer's tips)
    (r"^api/me$", STAFF),
    # cases: the role gate (403 for analysts, youth leads, administrators, no role; 401 without
    # a verified session); need to know per case is tested in heatwatch/cases/tests/test_api.py
    (r"^api/cases/referrals/<int:referral_id>/answer$", EVERYONE),  # POST only: a GET is 405
    (r"^api/cases", CASE_STAFF),
]

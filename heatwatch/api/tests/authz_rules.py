"""Who may open the API's URLs with a staff session (collected by the authorization matrix).

The matrix requests with GET as each persona. ``POST /api/tips`` (partner hotlines) takes an
API token, never a session; its tests are in heatwatch/tips/tests/test_api_tips.py.
"""

from heatwatch.core.tests.test_authorization_matrix import STAFF

TIP_STAFF = frozenset({"coordinator", "officer"})

RULES = [
    (r"^api/tips$", TIP_STAFF),  # GET: the queue (officers: their agency's referrals)
    (r"^api/tips/<int:tip_id>$", TIP_STAFF),  # GET: one tip (404 outside the officer's tips)
    (r"^api/me$", STAFF),
]

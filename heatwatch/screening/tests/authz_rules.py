"""Who may open the screening URLs (collected by the authorization matrix).

The matrix's personas who may screen are the coordinator and the advocates (by role); a
teacher with a screening grant (no role) is tested in test_views.py. Result-level access (the
screener's own, any for coordinators) is tested there too. POST-only pages check the role
first: 403 for others, 405 to a GET by those allowed.
"""

from heatwatch.core.tests.test_authorization_matrix import COORDINATOR

SCREENERS = frozenset({"coordinator", "advocate", "advocate_other"})

RULES = [
    (r"^staff/screening/$", SCREENERS),
    (r"^staff/screening/new/$", SCREENERS),
    (r"^staff/screening/referrals/$", COORDINATOR),
    (r"^staff/screening/<int:pk>/(intake|attach)/$", COORDINATOR),
    (r"^staff/screening/<int:pk>/", SCREENERS),
    # API: the same role gate (403 JSON for others, 401 without a verified session)
    (r"^api/screening/questionnaires$", SCREENERS),
    (r"^api/screening/results/<int:result_id>$", SCREENERS),
]

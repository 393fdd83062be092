"""Who may open the insights URLs (collected by the authorization matrix)."""

from heatwatch.core.tests.test_authorization_matrix import COORDINATOR, EVERYONE

INSIGHTS = frozenset({"coordinator", "analyst"})
PARTNERS = frozenset({"advocate", "advocate_other"})

RULES = [
    # public: the data page, its CSV downloads and charts, in English and under /es/
    (r"^(es/)?data/", EVERYONE),
    # staff: publishing and refreshing snapshots is the coordinators'
    (r"^staff/insights/snapshots/(refresh|<int:pk>/(publish|discard))/$", COORDINATOR),
    (r"^staff/insights/partner/$", PARTNERS),
    (r"^staff/insights/", INSIGHTS),
    # API: the published statistics are public
    (r"^api/insights/", EVERYONE),
]

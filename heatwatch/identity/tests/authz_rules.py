"""Who may open the identity pages: coordinators only."""

from heatwatch.core.tests.test_authorization_matrix import COORDINATOR

RULES = [
    (r"^staff/identity/", COORDINATOR),
]

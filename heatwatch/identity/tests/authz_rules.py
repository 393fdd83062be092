"""Who may open the identity pages: coordinators only."""

from heatwatch.core.tests.test_authorization_matrix import COORDINATOR

RULES = [
    # the possible-duplicates queue and one pair's review (answers are POSTs to the same URL)
    (r"^staff/identity/duplicates/$", COORDINATOR),
    (r"^staff/identity/duplicates/<int:candidate_id>/$", COORDINATOR),
    (r"^staff/identity/", COORDINATOR),
]

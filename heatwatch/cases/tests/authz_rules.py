"""Who may open the case URLs (collected by the authorization matrix).

Record-level access (care team, coordinators, break-glass) is tested in test_permissions.py;
the matrix checks the role gate: analysts, youth leads, administrators and accounts without a
role get 403 on every case page.
"""

from heatwatch.core.tests.test_authorization_matrix import COORDINATOR

CASE_STAFF = frozenset({"coordinator", "advocate", "advocate_other", "officer", "prosecutor"})
INTAKE = frozenset({"coordinator", "advocate", "advocate_other"})
BREAK_GLASS = frozenset({"advocate", "advocate_other", "officer", "prosecutor"})

RULES = [
    (r"^staff/cases/$", CASE_STAFF),
    (r"^staff/cases/new/$", INTAKE),
    (r"^staff/cases/break-glass/$", BREAK_GLASS),
    # the dashboard and the POST-only review of a break-glass read (403 before 405)
    (r"^staff/cases/dashboard/", COORDINATOR),
    # the receiving agency's inbox, a referral, and the POST-only answers
    (r"^staff/cases/referrals/", CASE_STAFF),
    # case records (POST-only): service plan, identification and screenings, placements,
    # missing episodes, court involvement; 404 for outsiders, 403 under break-glass, tested
    # in test_records.py
    (r"^staff/cases/<int:pk>/plan/", CASE_STAFF),
    (r"^staff/cases/<int:pk>/(identification|screenings)/", CASE_STAFF),
    (r"^staff/cases/<int:pk>/placements/", CASE_STAFF),
    (r"^staff/cases/<int:pk>/missing/", CASE_STAFF),
    (r"^staff/cases/<int:pk>/court/", CASE_STAFF),
    # the youth's details (GET form), alert acknowledgement (POST) and resolution (GET form),
    # deletion pages (GET form; the restricted permission is checked after the case lookup, so
    # case staff get 404 for the dummy case): role gate first, record checks in test_workflow.py
    (r"^staff/cases/<int:pk>/youth/$", CASE_STAFF),
    (r"^staff/cases/<int:pk>/alerts/<int:alert_pk>/(acknowledge|resolve)/$", CASE_STAFF),
    (r"^staff/cases/<int:pk>/delete/", CASE_STAFF),
    # a case and its POST-only actions (the role check comes first: 403 for others, 405 for
    # a GET by case staff); the POSTs are tested in test_views.py and test_permissions.py
    (r"^staff/cases/<int:pk>/", CASE_STAFF),
]

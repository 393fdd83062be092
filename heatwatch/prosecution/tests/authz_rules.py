"""Who may open the prosecution URLs (collected by the authorization matrix).

The matrix's personas hold one role each: the prosecutor is the prosecution persona (the
victim-witness advocate, an advocate membership in a prosecution office, is not one of them:
its access is tested in test_permissions.py). Record-level scope (another office, a case not
on one's team) is tested in test_permissions.py and test_api.py. POST-only URLs answer 405 to
an allowed persona's GET.
"""

from heatwatch.core.tests.test_authorization_matrix import EVERYONE

PROSECUTOR = frozenset({"prosecutor"})
CASE_STAFF = frozenset({"coordinator", "advocate", "advocate_other", "officer", "prosecutor"})
HEARING_STAFF = frozenset({"coordinator", "prosecutor"})
ENTITY_STAFF = frozenset({"officer", "prosecutor"})

RULES = [
    # the docket: case staff; recording a hearing: prosecutors and coordinators
    (r"^staff/prosecution/docket/new/$", HEARING_STAFF),
    (r"^staff/prosecution/docket/cases/<int:case_pk>/feed/", CASE_STAFF),  # POST only
    (r"^staff/prosecution/docket/", CASE_STAFF),
    # entities: officers and prosecutors
    (r"^staff/prosecution/entities/", ENTITY_STAFF),
    # prosecutions: prosecutors (and assigned victim-witness advocates, not a matrix persona)
    (r"^staff/prosecution/", PROSECUTOR),
    # API: same gates
    (r"^api/prosecution/docket/feed/<token>\.ics$", EVERYONE),  # the token is the key (404)
    (r"^api/prosecution/hearings$", CASE_STAFF),  # GET: the docket; POST: hearing staff
    (r"^api/prosecution", PROSECUTOR),
]

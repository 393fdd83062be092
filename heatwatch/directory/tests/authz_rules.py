"""Who may open the partner service directory's URLs (collected by the authorization matrix).

The staff directory is for the roles that refer youth to services (directory/permissions.py);
everyone of them may also add services for their own organisation, so ``new/`` has the same row.
Editing a given service is checked per object in tests/test_permissions.py.
"""

from heatwatch.core.tests.test_authorization_matrix import EVERYONE

DIRECTORY = frozenset({"coordinator", "advocate", "advocate_other", "officer", "prosecutor"})

RULES = [
    # public: the services organisations mark public, in English and under /es/
    (r"^(es/)?directory/$", EVERYONE),
    # staff: search, add, a service, its edit and capacity forms (a dummy id 404s for the
    # allowed roles; everyone else gets 403 before the lookup)
    (r"^staff/directory/$", DIRECTORY),
    (r"^staff/directory/new/$", DIRECTORY),
    (r"^staff/directory/<int:pk>/$", DIRECTORY),
    (r"^staff/directory/<int:pk>/(edit|capacity)/$", DIRECTORY),
    # POST-only: the role check comes first (403 for others); the allowed roles get 405 to a GET
    (r"^staff/directory/<int:pk>/active/$", DIRECTORY),
]

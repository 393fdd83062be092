"""Who may open the pages app's own URLs (collected by the authorization matrix)."""

from heatwatch.core.tests.test_authorization_matrix import EVERYONE

RULES = [
    # public, in English and under /es/: search, feeds, the poster list and a poster PDF
    (r"^(es/)?search/$", EVERYONE),
    (r"^(es/)?news/feed\.xml$", EVERYONE),
    (r"^(es/)?podcast/feed\.xml$", EVERYONE),
    (r"^(es/)?posters/$", EVERYONE),
    (r"^(es/)?posters/<slug:template>-<slug:size>\.pdf$", EVERYONE),
]

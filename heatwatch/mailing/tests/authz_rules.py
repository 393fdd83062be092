"""Who may open the mailing list's URLs (collected by the authorization matrix)."""

from heatwatch.core.tests.test_authorization_matrix import COORDINATOR, EVERYONE

RULES = [
    # public: sign-up, and the pages reached from an e-mail (authorised by the token in the
    # URL; a dummy token gets the "link does not work" page, 404), in English and under /es/
    (r"^(es/)?subscribe/$", EVERYONE),
    (r"^(es/)?subscribe/confirm/", EVERYONE),
    (r"^(es/)?subscribe/preferences/", EVERYONE),
    (r"^(es/)?unsubscribe/one-click/", EVERYONE),
    # staff: composing and sending newsletters, the send log
    (r"^staff/mailing/", COORDINATOR),
]

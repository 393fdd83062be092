"""Who may open the mailing list's URLs (collected by the authorization matrix)."""

from heatwatch.core.tests.test_authorization_matrix import COORDINATOR, EVERYONE

RULES = [
    # public: sign-up, and the pages reached from an e-mail (authorised by the token in the
    # URL; a dummy token gets the "link does not work" page, 404), in English and under /es/
    (r"^(es/)?subscribe/$", EVERYONE),
    (r"^(es/)?subscribe/confirm/", EVERYONE),
    (r"^(es/)?subscribe/preferences/", EVERYONE),
    (r"^(es/)?unsubscribe/one-click/", EVERYONE),
    # the public archive of sent issues (a dummy id gets 404 for everyone)
    (r"^(es/)?newsletter/", EVERYONE),
    # staff: composing and sending newsletters, the send log, preview, test copy, schedule,
    # pause and resume, event notices, suppressions, CSV import and export
    (r"^staff/mailing/", COORDINATOR),
]

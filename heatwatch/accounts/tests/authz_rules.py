"""Who may open the accounts URLs of issue 19 (collected by the authorization matrix): user
administration is for administrators; an invitation link is opened signed out; the profile by
any signed-in account."""

from heatwatch.core.tests.test_authorization_matrix import ADMINISTRATOR, EVERYONE, STAFF

RULES = [
    # a dummy token answers 404 to everyone, which the matrix counts as allowed-with-a-dummy
    (r"^staff/account/invitation/<str:token>/$", EVERYONE),
    (r"^staff/account/profile/$", STAFF),
    (r"^staff/users/", ADMINISTRATOR),
]

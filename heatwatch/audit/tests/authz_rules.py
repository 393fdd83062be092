"""Who may open the audit viewer (collected by the authorization matrix): coordinators and
administrators; analysts and everyone else get 403."""

from heatwatch.core.tests.test_authorization_matrix import ADMINISTRATOR, COORDINATOR

AUDIT_READERS = COORDINATOR | ADMINISTRATOR

RULES = [
    (r"^staff/audit/", AUDIT_READERS),
]

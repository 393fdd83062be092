import pytest
from django.db import connection
from heatwatch.audit.models import AuditEntry
from heatwatch.audit.services import audit_log

def test_a(transactional_db):
    audit_log(action="security")
    print("A count", AuditEntry.objects.count(), connection.settings_dict["NAME"])

def test_b(transactional_db):
    print("B count", AuditEntry.objects.count())

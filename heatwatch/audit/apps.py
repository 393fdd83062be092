from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "heatwatch.audit"
    label = "audit"
    verbose_name = "Audit log"

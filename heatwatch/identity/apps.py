from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "heatwatch.identity"
    label = "identity"
    verbose_name = "Identity matching"

from django.apps import AppConfig


class EncryptedTestAppConfig(AppConfig):
    name = "heatwatch.lib.tests.encrypted_testapp"
    label = "encrypted_testapp"
    default_auto_field = "django.db.models.BigAutoField"

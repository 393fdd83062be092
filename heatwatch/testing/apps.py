from django.apps import AppConfig


class TestingConfig(AppConfig):
    """Installed only by heatwatch.test_settings: helpers the test suite needs, never in a
    real installation."""

    name = "heatwatch.testing"
    label = "testing"

"""A model with encrypted fields, installed only by heatwatch.test_settings."""

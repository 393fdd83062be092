"""Settings for the test suite: the real settings with a fast hasher and in-memory e-mail.

``DATABASE_URL`` still chooses the database, so the same suite runs on SQLite and PostgreSQL.
"""

import os

os.environ.setdefault("HEATWATCH_ENV", "test")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault(
    "HEATWATCH_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test")
)

from heatwatch.settings import *  # noqa: E402,F403
from heatwatch.settings import INSTALLED_APPS, STATIC_ROOT, STORAGES  # noqa: E402

# Argon2 is slow by design; tests that check hashing switch it back on.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
INSTALLED_APPS = ["heatwatch.testing", *INSTALLED_APPS, "heatwatch.lib.tests.encrypted_testapp"]
SECURE_SSL_REDIRECT = False
# No shared checkpoint file across test databases: a test that needs one points it at tmp_path.
HEATWATCH_AUDIT_CHECKPOINT_FILE = ""
# Transactional tests with serialized_rollback reload every table after a flush; the audit
# head row only ever moves forward, and audit_log recreates it for an empty log.
TEST_NON_SERIALIZED_APPS = ["heatwatch.audit"]
# WhiteNoise warns about a missing static root on every request otherwise.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

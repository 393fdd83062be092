"""Settings for benchmarks only: the real settings plus a bare view (benchmarks/bench_urls.py).

Production hashing (Argon2) and middleware are kept on purpose. Two differences, both to avoid
a slow set-up step that does not change per-request cost: static files are not collected
(plain storage instead of the manifest), and the database is whatever DATABASE_URL says.
"""

from heatwatch.settings import *  # noqa: F403
from heatwatch.settings import STORAGES

ROOT_URLCONF = "benchmarks.bench_urls"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

"""WSGI entry point (``heatwatch serve`` runs it under gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatwatch.settings")
application = get_wsgi_application()

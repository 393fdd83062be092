"""The insights API, mounted at ``/api/insights`` by heatwatch/api/api.py; see docs/api.md."""

from ninja import Router

router = Router(tags=["insights"])

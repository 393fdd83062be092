"""The events API, mounted at ``/api/events`` by heatwatch/api/api.py; see docs/api.md."""

from ninja import Router

router = Router(tags=["events"])

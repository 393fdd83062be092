"""The screening API, mounted at ``/api/screening`` by heatwatch/api/api.py; see docs/api.md."""

from ninja import Router

router = Router(tags=["screening"])

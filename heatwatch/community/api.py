"""The community API, mounted at ``/api/community`` by heatwatch/api/api.py; see docs/api.md."""

from ninja import Router

router = Router(tags=["community"])

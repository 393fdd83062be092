"""The prosecution API, mounted at ``/api/prosecution`` by heatwatch/api/api.py; see docs/api.md."""

from ninja import Router

router = Router(tags=["prosecution"])

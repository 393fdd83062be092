"""Periodic audit tasks (registered in heatwatch/core/apps.py, which runs the scheduler)."""

from __future__ import annotations

import logging

from django_tasks import task

from heatwatch.audit import checkpoints, services

logger = logging.getLogger(__name__)


@task()
def write_checkpoint() -> None:
    """Append a signed checkpoint of the audit chain (docs/audit.md, "Checkpoints")."""
    if checkpoints.checkpoint_path() is None:
        return
    try:
        services.audit_checkpoint()
    except checkpoints.CheckpointError:
        # Loud on purpose: the log is not intact since the last checkpoint.
        logger.exception("audit checkpoint refused")
        raise

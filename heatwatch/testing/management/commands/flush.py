"""Test-only ``flush`` that lifts the audit log's append-only triggers while it empties tables.

Transactional tests (browser tests with a live server) are cleaned up with ``flush``, which
the triggers rightly refuse. This command exists only in the test settings; production has
Django's own ``flush``, which the triggers block for the audit table.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

_triggers = importlib.import_module("heatwatch.audit.migrations.0002_append_only_triggers")


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        with connection.schema_editor() as editor:
            _triggers.uninstall_triggers(None, editor)
        try:
            super().handle(**options)
        finally:
            with connection.schema_editor() as editor:
                _triggers.install_triggers(None, editor)

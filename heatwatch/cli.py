"""The ``heatwatch`` command: every Django management command plus the project's own.

``heatwatch migrate``, ``heatwatch runserver`` and ``heatwatch db_worker`` work as with
manage.py; project commands such as ``heatwatch demo``, ``heatwatch audit verify`` or
``heatwatch demo-code USER`` live in the apps' ``management/commands``. A dash in a command
name is accepted for the underscore (``demo-code`` runs ``demo_code``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command with the heatwatch settings."""
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatwatch.settings")
    if len(args) > 1 and "-" in args[1] and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()

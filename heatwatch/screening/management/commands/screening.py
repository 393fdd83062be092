"""``heatwatch screening load FILE [--draft]``: load a questionnaire version from a file.

The file format is in docs/screening.md. A malformed file is refused with the line and the
field of every problem, and nothing is loaded. The same version loaded twice changes nothing.
A licensed instrument (``"licensed": true``) is loaded the same way by the program that holds
the licence; the project never ships one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heatwatch.screening import engine, services


class Command(BaseCommand):
    help = "Load a screening questionnaire version from a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load a questionnaire file")
        load.add_argument("path")
        load.add_argument("--draft", action="store_true", help="load it as a draft, not in use")
        sub.add_parser("default", help="load the project's default red-flag questionnaire")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "default":
            path = services.DEFAULT_QUESTIONNAIRE
        else:
            path = Path(options["path"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot read the file ({exc})") from exc
        try:
            version, created = services.questionnaire_load(
                text=text, by=None, publish=not options.get("draft")
            )
        except engine.DefinitionError as exc:
            problems = getattr(exc, "all", [exc])
            lines = "\n".join(f"{path}: {p}" for p in problems)
            raise CommandError(f"{path}: not loaded.\n{lines}") from exc
        state = "loaded" if created else "already loaded, unchanged"
        self.stdout.write(f"{version} [{version.get_status_display()}]: {state}")

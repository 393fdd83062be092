"""``heatwatch directory export|import``: the service directory as Open Referral HSDS JSON.

    heatwatch directory export --format hsds OUT.json [--public-only]
    heatwatch directory import IN.json [--organisation-map MAP.json] [--create-organisations]

``OUT.json`` may be ``-`` for standard output. An import reports every bad record on stderr (by
position, id and name) and keeps the good ones; it exits 1 when any record was refused.
docs/directory.md describes the format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.directory import hsds


def _read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{what} {path} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None


class Command(BaseCommand):
    help = "Partner service directory: export to or import from HSDS 3.0 JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        p = sub.add_parser("export", help="write the directory as HSDS JSON")
        p.add_argument("output", help="file to write, or - for standard output")
        p.add_argument("--format", choices=["hsds"], default="hsds")
        p.add_argument(
            "--public-only",
            action="store_true",
            help="only public services and their public details (what /directory/ shows)",
        )
        p = sub.add_parser("import", help="create or update services from HSDS JSON")
        p.add_argument("input", type=Path)
        p.add_argument(
            "--organisation-map",
            type=Path,
            help='JSON object {"<HSDS organization id or name>": "<local slug or name>"}',
        )
        p.add_argument(
            "--create-organisations",
            action="store_true",
            help="create organisations that are not known here (as service providers)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self._export(options["output"], public_only=options["public_only"])
        else:
            self._import(
                options["input"],
                map_path=options["organisation_map"],
                create=options["create_organisations"],
            )

    def _export(self, output: str, *, public_only: bool) -> None:
        document = hsds.export_hsds(public_only=public_only)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from None
        audit_log(
            action=Action.EXPORT,
            object_type="directory.service",
            reason=f"HSDS export of {len(document['services'])} services"
            + (" (public only)" if public_only else ""),
        )
        if output != "-":
            self.stdout.write(f"Exported {len(document['services'])} services to {output}")

    def _import(self, path: Path, *, map_path: Path | None, create: bool) -> None:
        organisation_map: dict[str, str] = {}
        if map_path is not None:
            raw = _read_json(map_path, "organisation map")
            if not isinstance(raw, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
            ):
                raise CommandError(
                    f"organisation map {map_path} must be a JSON object of text to text"
                )
            organisation_map = raw
        document = _read_json(path, "file")
        try:
            result = hsds.import_hsds(
                document=document, organisation_map=organisation_map, create_organisations=create
            )
        except hsds.DocumentError as exc:
            raise CommandError(f"{path}: {exc}; nothing was imported") from None
        for error in result.errors:
            self.stderr.write(error)
        summary = (
            f"Imported {result.created + result.updated} services "
            f"({result.created} new, {result.updated} updated); {len(result.errors)} refused."
        )
        if result.errors:
            raise CommandError(summary, returncode=1)
        self.stdout.write(summary)

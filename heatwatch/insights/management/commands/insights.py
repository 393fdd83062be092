"""``heatwatch insights refresh|publish ID|attack``: snapshots of the public statistics."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heatwatch.insights import services


class Command(BaseCommand):
    help = "Public statistics: prepare a draft snapshot, publish one, run the attacker test."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        refresh = sub.add_parser("refresh", help="prepare a draft snapshot from the records")
        refresh.add_argument("--publish", action="store_true", help="publish it if it passes")
        publish = sub.add_parser("publish", help="publish a draft (after the attacker test)")
        publish.add_argument("snapshot_id", type=int)
        sub.add_parser("attack", help="run the attacker test over every published snapshot")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "refresh":
                snap = services.snapshot_prepare()
                self.stdout.write(
                    f"draft {snap.pk}: {snap.suppressed} of {snap.cells.count()} cells "
                    f"suppressed ({snap.primary} small), attacker test "
                    f"{'passed' if snap.attacker_passed else 'FAILED'}, {snap.seconds:.1f} s"
                )
                if options["publish"]:
                    services.snapshot_publish(snapshot_id=snap.pk, version=None, by=None)
                    self.stdout.write(f"published {snap.pk}")
            elif action == "publish":
                snap = services.snapshot_publish(
                    snapshot_id=options["snapshot_id"], version=None, by=None
                )
                self.stdout.write(f"published {snap.pk}")
            else:
                ok, report = services.attacker_test_all()
                self.stdout.write(json.dumps(report, indent=2))
                if not ok:
                    raise CommandError("the attacker test failed")
        except services.InsightsError as exc:
            raise CommandError(str(exc)) from exc

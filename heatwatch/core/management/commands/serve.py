"""``heatwatch serve``: the production web server (gunicorn) for heatwatch.wsgi."""

from __future__ import annotations

import multiprocessing
from typing import Any

from django.core.management.base import BaseCommand
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from heatwatch.lib.logsafe import SafeFormatter

# No client address (%(h)s) and no user agent (%(a)s) in the access log: anonymity of
# tipsters is a promise (DESIGN.md §5). Query strings are left out too.
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class SafeLogger(glogging.Logger):
    """gunicorn's logger with every line escaped (heatwatch.lib.logsafe): a request path holding
    ``%0a`` or an ANSI escape cannot write a forged line to the access or error log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                current = handler.formatter
                handler.setFormatter(
                    SafeFormatter(
                        current._fmt if current else None, current.datefmt if current else None
                    )
                )


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from heatwatch.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve heatwatch over HTTP with gunicorn (put TLS in front of it in production)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port to listen on")
        parser.add_argument(
            "--workers",
            type=int,
            default=min(4, multiprocessing.cpu_count() * 2),
            help="worker processes",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")
        parser.add_argument("--no-access-log", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        # Draw the in-memory rate-limit key here, before gunicorn forks: every worker (also one
        # restarted later) inherits the same key, so limits are per server, not per worker.
        from heatwatch.core import ratelimit  # noqa: F401

        config = {
            "bind": options["bind"],
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 20,
            "forwarded_allow_ips": "127.0.0.1",
            "accesslog": None if options["no_access_log"] else "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "logger_class": SafeLogger,
            "errorlog": "-",
        }
        _Gunicorn(config).run()

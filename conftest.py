"""Repository-level pytest configuration: the headless Chromium used by browser tests."""

import os

import pytest

# pytest-django's live_server runs in a thread; Playwright's sync API runs an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("HEATWATCH_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    # Debian's Chromium, never a downloaded one; flags keep it off the (closed) network.
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Make ``serialized_rollback`` restore the migrated database whatever ran before.

    Two things break it otherwise, both seen only when the suite's order puts a particular test
    first:

    - Once Playwright's sync API has started, the main thread runs an event loop, so Django keeps
      connections per async context and hands a test a new ``DatabaseWrapper`` that lacks
      ``_test_serialized_contents``: the restore is skipped and the test starts empty. The
      contents are set on the wrapper's class, so every wrapper carries them.
    - A transactional test without serialisation is cleaned up by a flush that re-runs
      ``post_migrate`` (locales, content types, permissions, with new keys); loading the
      serialised rows on top then breaks unique constraints. The restore empties the tables
      first (without ``post_migrate``), so it always starts from nothing, and loads the content
      types before the rows whose save signals would otherwise create them anew."""
    import json

    from django.core.management import call_command
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is None:
            continue
        rows = json.loads(contents)
        rows.sort(key=lambda row: row["model"] != "contenttypes.contenttype")
        contents = json.dumps(rows)
        connection._test_serialized_contents = contents
        type(connection)._test_serialized_contents = contents
        creation = type(connection.creation)
        if getattr(creation, "_heatwatch_flushes_first", False):
            continue
        load = creation.deserialize_db_from_string

        def flush_then_load(self, data, _load=load):
            call_command(
                "flush",
                verbosity=0,
                interactive=False,
                database=self.connection.alias,
                reset_sequences=False,
                inhibit_post_migrate=True,
            )
            _load(self, data)

        creation.deserialize_db_from_string = flush_then_load
        creation._heatwatch_flushes_first = True
    yield

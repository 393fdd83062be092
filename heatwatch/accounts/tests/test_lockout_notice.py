"""The lockout e-mail is sent once per lockout (issue 19): when it begins, never for the
attempts it refuses, and a graver lockout (from everywhere) after one from one place is told
too."""

from __future__ import annotations

import pytest

from heatwatch.accounts.tests.test_lockout import SOURCE_A, SOURCE_B, WRONG, fail, sign_in
from heatwatch.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_each_lockout_is_told_once(personas, clock, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fail("advocate", 5, source=SOURCE_A)  # locked from one place: one e-mail
        for _ in range(10):  # refused while locked: nothing more
            assert sign_in("advocate", WRONG, source=SOURCE_A).status_code == 429
            assert sign_in("advocate", PASSWORD, source=SOURCE_A).status_code == 429
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        # then failures from nine more places lock the account everywhere: its own e-mail
        for n in range(9):
            fail("advocate", 1, source=f"192.0.2.{n + 1}")
        assert sign_in("advocate", PASSWORD, source=SOURCE_B).status_code == 429
        for n in range(5):  # refused everywhere: nothing more
            assert sign_in("advocate", WRONG, source=f"198.51.100.{n + 1}").status_code == 429
    subjects = [m.subject for m in mailoutbox]
    assert len(subjects) == 2, subjects
    assert "from one place" in subjects[0]
    assert subjects[1].endswith("account was locked")

"""Environment helpers (heatwatch/lib/env.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from heatwatch.lib.env import env_float


def test_env_float(monkeypatch):
    monkeypatch.setenv("HW_TEST_FLOAT", "0.35")
    assert env_float("HW_TEST_FLOAT", 0.2) == 0.35
    monkeypatch.setenv("HW_TEST_FLOAT", "")
    assert env_float("HW_TEST_FLOAT", 0.2) == 0.2
    monkeypatch.setenv("HW_TEST_FLOAT", "lots")
    with pytest.raises(ImproperlyConfigured):
        env_float("HW_TEST_FLOAT", 0.2)

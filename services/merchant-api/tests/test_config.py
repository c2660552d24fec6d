"""merchant-api's environment contract and its one-worker rule."""
from __future__ import annotations

import subprocess
import sys

import pytest

from merchant_api.config import EnvError, Settings, load_settings

from .conftest import SERVICE_DIR


def test_defaults_follow_the_fleet_contract():
    assert load_settings({}) == Settings()
    assert (Settings().host, Settings().port, Settings().admin_port, Settings().chaos_enabled) == ("127.0.0.1", 8080, 8081, False)


def test_every_invalid_variable_is_reported_at_once_with_its_value():
    with pytest.raises(EnvError) as caught:
        load_settings({"PORT": "http", "CHAOS_ENABLED": "maybe", "MERCHANT_ERROR_RATIO": "2", "MEMORY_LIMIT_BYTES": "-1"})
    problems = caught.value.problems
    assert len(problems) == 4
    assert any(p.startswith('PORT="http"') for p in problems)
    assert any(p.startswith('CHAOS_ENABLED="maybe"') for p in problems)
    assert any(p.startswith('MERCHANT_ERROR_RATIO="2"') and "[0, 1]" in p for p in problems)
    assert any(p.startswith('MEMORY_LIMIT_BYTES="-1"') for p in problems)


@pytest.mark.parametrize("env, message", [
    ({"WEB_CONCURRENCY": "4"}, "exactly one worker per process"),
    ({"PROMETHEUS_MULTIPROC_DIR": "/tmp/prom"}, "multiprocess mode is not used"),
])
def test_running_with_several_workers_is_refused_at_start_with_the_reason(env, message):
    result = subprocess.run([sys.executable, "-m", "merchant_api"], cwd=SERVICE_DIR, env={"PORT": "0", **env},
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert message in result.stderr

"""Fixtures that run merchant-api as a REAL server process on 127.0.0.1 with ephemeral ports.

Every process started here is stopped (SIGTERM, then SIGKILL) when its fixture ends."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

SERVICE_DIR = Path(__file__).resolve().parents[1]


@dataclass
class RunningServer:
    """A started merchant-api process and the URLs it printed."""

    process: subprocess.Popen
    url: str
    admin_url: Optional[str]
    info: dict

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


def start_server(env: dict[str, str], timeout: float = 15.0) -> RunningServer:
    """Starts ``python -m merchant_api`` with ``env`` and waits for its listening line."""
    full_env = {"PATH": os.environ.get("PATH", ""), "HOST": "127.0.0.1", "PORT": "0", "ADMIN_PORT": "0", **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "merchant_api"], cwd=SERVICE_DIR, env=full_env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break  # exited
        try:
            info = json.loads(line)
        except ValueError:
            continue
        if info.get("event") == "listening":
            return RunningServer(process, info["url"], info.get("adminUrl"), info)
    process.kill()
    stderr = process.stderr.read()
    process.wait()
    raise RuntimeError(f"merchant-api did not start: {stderr}")


@pytest.fixture
def server_factory() -> Iterator[Callable[[dict[str, str]], RunningServer]]:
    """Starts servers on demand; all of them are stopped at the end of the test."""
    started: list[RunningServer] = []

    def factory(env: dict[str, str]) -> RunningServer:
        server = start_server(env)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    """A deterministic server: no simulated errors, tiny latency, chaos enabled, known limits."""
    running = start_server({
        "MERCHANT_ERROR_RATIO": "0", "LATENCY_SCALE": "0.05", "CHAOS_ENABLED": "true",
        "MEMORY_LIMIT_BYTES": "268435456", "CPU_LIMIT_CORES": "0.5",
    })
    yield running
    running.stop()


Families = dict[str, object]


def scrape(url: str) -> dict:
    """Parses /metrics with prometheus_client's parser into {family name: family}."""
    response = httpx.get(f"{url}/metrics")
    assert response.status_code == 200
    return {f.name: f for f in text_string_to_metric_families(response.text)}


def value(families: dict, sample_name: str, labels: dict[str, str]) -> float:
    """Value of the sample with exactly these labels; 0 when absent (the delta of an unseen series)."""
    for family in families.values():
        for sample in family.samples:
            if sample.name == sample_name and sample.labels == labels:
                return sample.value
    return 0.0

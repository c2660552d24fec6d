"""Fault injection on merchant-api through its admin listener, seen on the real request path and
in /metrics; and no admin listener at all when chaos is disabled."""
from __future__ import annotations

import socket
import time

import httpx
import pytest

from .conftest import scrape, value


@pytest.fixture(autouse=True)
def clear_fault(server):
    yield
    httpx.delete(f"{server.admin_url}/chaos/fault")


def test_an_error_burst_answers_503_on_the_api_and_is_counted_under_the_route(server):
    before = scrape(server.url)
    started = httpx.post(f"{server.admin_url}/chaos/fault", json={"errorRatio": 1, "durationSeconds": 30})
    assert started.status_code == 201 and started.json()["active"] is True
    responses = [httpx.get(f"{server.url}/merchants/globex") for _ in range(10)]
    assert [r.status_code for r in responses] == [503] * 10
    assert responses[0].json()["error"] == "injected_fault"
    after = scrape(server.url)
    labels = {"method": "GET", "route": "/merchants/{merchant_id}", "status": "503"}
    assert value(after, "http_requests_total", labels) - value(before, "http_requests_total", labels) == 10
    assert value(after, "chaos_fault_error_ratio", {}) == 1
    assert httpx.get(f"{server.url}/healthz").status_code == 200

    assert httpx.delete(f"{server.admin_url}/chaos/fault").json()["active"] is False
    assert httpx.get(f"{server.url}/merchants/globex").status_code == 200
    assert value(scrape(server.url), "chaos_fault_error_ratio", {}) == 0


def test_a_latency_spike_delays_requests_and_expires_by_itself(server):
    httpx.post(f"{server.admin_url}/chaos/fault", json={"latencyMs": 250, "durationSeconds": 1})
    started = time.monotonic()
    assert httpx.get(f"{server.url}/merchants/globex").status_code == 200
    assert time.monotonic() - started >= 0.24
    assert value(scrape(server.url), "chaos_fault_latency_seconds", {}) == 0.25
    time.sleep(1.1)
    assert httpx.get(f"{server.admin_url}/chaos/fault").json()["active"] is False
    started = time.monotonic()
    httpx.get(f"{server.url}/merchants/globex")
    assert time.monotonic() - started < 0.2


@pytest.mark.parametrize("body, message", [
    ({"errorRatio": 2}, "errorRatio must be in [0, 1]"),
    ({"latencyMs": -5}, "latencyMs must be >= 0"),
    ({"latencyMs": 1.5}, "latencyMs must be an integer"),
    ({"errorRatio": 1, "durationSeconds": 0}, "durationSeconds must be > 0"),
    ({"errorRatio": 0, "latencyMs": 0}, "use DELETE /chaos/fault"),
    ({"errorRatio": "1"}, "errorRatio: must be a number"),
])
def test_an_invalid_fault_request_is_refused_with_400_saying_why(server, body, message):
    response = httpx.post(f"{server.admin_url}/chaos/fault", json=body)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert httpx.get(f"{server.admin_url}/chaos/fault").json()["active"] is False


def test_chaos_routes_are_not_served_on_the_api_port(server):
    assert httpx.post(f"{server.url}/chaos/fault", json={"errorRatio": 1}).status_code == 404


def test_without_chaos_enabled_no_admin_port_is_opened(server_factory):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    admin_port = probe.getsockname()[1]
    probe.close()
    plain = server_factory({"ADMIN_PORT": str(admin_port)})
    assert plain.admin_url is None
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{admin_port}/chaos/fault")
    assert not [name for name in scrape(plain.url) if name.startswith("chaos_")]

"""merchant-api's /metrics read with prometheus_client's parser: names, types, label sets, exact
buckets, initialised merchant series, process metrics, and bounded cardinality under a scan."""
from __future__ import annotations

import asyncio
import random

import httpx

from merchant_api.catalog import MERCHANTS, OTHER_MERCHANT

from .conftest import scrape, value

ENDPOINTS = ["get_merchant", "get_balance", "list_transactions", "update_settings"]
TEMPLATES = {"/merchants/{merchant_id}", "/merchants/{merchant_id}/balance",
             "/merchants/{merchant_id}/transactions", "/merchants/{merchant_id}/settings", "__unmatched__"}


def test_every_contract_metric_is_present_with_its_type(server):
    families = scrape(server.url)
    expected = {
        "http_requests": "counter", "http_request_duration_seconds": "histogram", "http_requests_in_flight": "gauge",
        "merchant_api_calls": "counter", "service_memory_limit_bytes": "gauge", "service_cpu_limit_cores": "gauge",
        "process_resident_memory_bytes": "gauge", "process_cpu_seconds": "counter", "chaos_fault_error_ratio": "gauge",
    }
    assert {name: families[name].type for name in expected if name in families} == expected


def test_limit_gauges_come_from_the_environment_override(server):
    families = scrape(server.url)
    assert value(families, "service_memory_limit_bytes", {}) == 268435456
    assert value(families, "service_cpu_limit_cores", {}) == 0.5


def test_no_created_series_are_exported(server):
    assert not [name for name in scrape(server.url) if name.endswith("_created")]
    assert "_created" not in httpx.get(f"{server.url}/metrics").text


def test_every_merchant_and_endpoint_is_exported_at_zero_before_any_call(server):
    samples = scrape(server.url)["merchant_api_calls"].samples
    keys = {(s.labels["merchant"], s.labels["endpoint"], s.labels["status"]) for s in samples}
    for merchant in (*MERCHANTS, OTHER_MERCHANT):
        for endpoint in ENDPOINTS:
            assert (merchant, endpoint, "200") in keys
    assert all(set(s.labels) == {"merchant", "endpoint", "status"} for s in samples)


def test_duration_histogram_has_exactly_the_contract_buckets_and_labels(server):
    assert httpx.get(f"{server.url}/merchants/globex").status_code == 200
    family = scrape(server.url)["http_request_duration_seconds"]
    buckets = [s for s in family.samples if s.name.endswith("_bucket") and s.labels["route"] == "/merchants/{merchant_id}" and s.labels["status"] == "200"]
    # Python prints 1, 2 and 5 as "1.0", "2.0", "5.0" (Node prints "1"): see docs/metrics.md.
    assert [s.labels["le"] for s in buckets] == ["0.01", "0.05", "0.1", "0.25", "0.5", "1.0", "2.0", "5.0", "+Inf"]
    assert [float(s.labels["le"]) for s in buckets[:-1]] == [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5]
    assert set(buckets[0].labels) == {"le", "method", "route", "status"}


async def _scan(url: str, seed: int, n: int) -> None:
    rng = random.Random(seed)
    word = lambda: "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))  # noqa: E731
    shapes = [lambda: f"/{word()}/{word()}?q={word()}", lambda: f"/merchants/{word()}", lambda: f"/merchants/{word()}/{word()}",
              lambda: f"/merchants/{word()}/balance", lambda: f"/{word()}%2F{word()}"]
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"]
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=25)) as client:
        for _ in range(0, n, 25):
            await asyncio.gather(*(client.request(rng.choice(methods), rng.choice(shapes)()) for _ in range(25)))


def test_a_random_url_scan_only_uses_templates_and_creates_no_new_series_once_warm(server):
    asyncio.run(_scan(server.url, 1, 400))
    warm = scrape(server.url)
    routes = {s.labels["route"] for s in warm["http_requests"].samples}
    assert routes <= TEMPLATES
    merchants = {s.labels["merchant"] for s in warm["merchant_api_calls"].samples}
    assert merchants <= {*MERCHANTS, OTHER_MERCHANT}

    asyncio.run(_scan(server.url, 2, 600))
    after = scrape(server.url)
    keys = lambda f: {(s.name, tuple(sorted(s.labels.items()))) for name in ("http_requests", "http_request_duration_seconds", "merchant_api_calls") for s in f[name].samples}  # noqa: E731
    assert keys(after) - keys(warm) == set()
    assert value(after, "http_requests_total", {"method": "GET", "route": "__unmatched__", "status": "404"}) > 0

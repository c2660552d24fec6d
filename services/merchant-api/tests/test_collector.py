"""merchant-api's custom collector must be indistinguishable on the wire from prometheus_client's
own Counter and Histogram fed the same requests, and lint-clean for promtool."""
from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from merchant_api.limits import ResourceLimits
from merchant_api.metrics import HTTP_DURATION_BUCKETS, ServiceMetrics

LIMITS = ResourceLimits(1 << 28, "env", 1.0, "env")


def _family(text: str, name: str):
    """(type, help, samples) of one family, parsed with prometheus_client's parser."""
    family = next(f for f in text_string_to_metric_families(text) if f.name == name)
    return family.type, family.documentation, [(s.name, s.labels, s.value) for s in family.samples]


def test_the_http_families_print_exactly_as_prometheus_clients_own_metrics_would():
    ours = CollectorRegistry()
    metrics = ServiceMetrics(ours, LIMITS, endpoints=["get_merchant"])
    reference = CollectorRegistry()
    labels = ["method", "route", "status"]
    counter = Counter("http_requests", "HTTP requests completed, by method, route template and status code.", labels, registry=reference)
    histogram = Histogram("http_request_duration_seconds",
                          "Time from request received to response finished, by method, route template and status code.",
                          labels, buckets=HTTP_DURATION_BUCKETS, registry=reference)
    observations = [("GET", "/merchants/{merchant_id}", 200, v) for v in (0, 0.01, 0.010001, 0.05, 0.3, 1.0, 1.5, 2.0, 5.0, 5.0001, 120)]
    observations.append(("PATCH", "/merchants/{merchant_id}/settings", 400, 0.2))
    for method, route, status, seconds in observations:
        metrics.observe(method, route, status, seconds)
        counter.labels(method, route, str(status)).inc()
        histogram.labels(method, route, str(status)).observe(seconds)
    ours_text, reference_text = generate_latest(ours).decode(), generate_latest(reference).decode()
    for family in ("http_requests", "http_request_duration_seconds"):
        assert _family(ours_text, family) == _family(reference_text, family)
    # Same le formatting as prometheus_client's own histograms ("1.0", not "1").
    assert 'le="1.0"' in ours_text and 'le="1"' not in ours_text


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is installed by scripts/setup.sh")
def test_promtool_finds_nothing_to_lint_in_the_exposition(server):
    httpx.get(f"{server.url}/merchants/globex")
    result = subprocess.run(["promtool", "check", "metrics"], input=httpx.get(f"{server.url}/metrics").text,
                            capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")

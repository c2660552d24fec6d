"""Prometheus instrumentation of merchant-api: the fleet's RED metrics with the same names,
labels and buckets as the Node services (docs/metrics.md), merchant_api_calls_total, the limit
gauges and the process collectors, all on one registry per app.

Per-request work is kept to a few dict lookups and additions (the benchmark budget is a few
percent of a request): the counts live in plain Python objects and are turned into metric
families by a custom collector when /metrics is scraped, which is prometheus_client's documented
extension point (CounterMetricFamily, HistogramMetricFamily). prometheus_client's own
Counter/Histogram take a lock and re-resolve the label set on every call, which cost ~14 us per
request here. Everything runs on the event-loop thread (one worker, async handlers), so no lock
is needed: a scrape runs between requests and sees every one of them.

The middleware is plain ASGI (not BaseHTTPMiddleware, which costs a task and a stream per
request). It reads the route TEMPLATE Starlette stores in scope["route"] once routing is done,
so `route` is bounded: "/merchants/{merchant_id}", never a raw path.
"""
from __future__ import annotations

from bisect import bisect_left
from time import perf_counter
from typing import Any, Iterator, Optional

from prometheus_client import CollectorRegistry, Gauge, GCCollector, PlatformCollector, ProcessCollector, disable_created_metrics
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString

from .catalog import MERCHANTS, OTHER_MERCHANT

_KNOWN = frozenset(MERCHANTS)
from .limits import ResourceLimits

# prometheus_client's own metrics would add a *_created series per counter child; we have no use for them.
disable_created_metrics()

HTTP_DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
# Formatted the way prometheus_client formats le for its own histograms ("1.0", see docs/metrics.md).
_LE = [floatToGoString(b) for b in HTTP_DURATION_BUCKETS]
UNMATCHED_ROUTE = "__unmatched__"
OTHER_METHOD = "OTHER"
CLIENT_CLOSED_STATUS = 499
STANDARD_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNINSTRUMENTED_PATHS = frozenset({"/metrics", "/healthz"})


class _Series:
    """One (method, route, status, merchant): per-bucket counts (last slot: above every bound), sum, count."""

    __slots__ = ("counts", "sum", "count", "endpoint")

    def __init__(self, endpoint: Optional[str] = None) -> None:
        self.counts = [0] * (len(HTTP_DURATION_BUCKETS) + 1)
        self.sum = 0.0
        self.count = 0
        self.endpoint = endpoint


class ServiceMetrics:
    """The request metrics of one merchant-api instance; also the collector that exports them.

    One record per (method, route, status, merchant): the request path does one dict lookup and
    three additions, and the scrape adds the records up into http_requests_total and
    http_request_duration_seconds (by method, route, status) and merchant_api_calls_total (by
    merchant, endpoint, status). `route` is the Starlette route object (its path is the template,
    its name the endpoint, kept in the record), or None (no route matched); `merchant` the bounded
    label or None. All bounded sets, so the dict is too (one record instead of two per request,
    looked up inline in the middleware: services/README.md, "Benchmark").
    """

    def __init__(self, registry: CollectorRegistry, limits: ResourceLimits, endpoints: list[str]):
        self.in_flight = 0
        self._series: dict[tuple[str, str, int, Optional[str]], _Series] = {}
        self._endpoints = endpoints
        registry.register(self)
        Gauge("service_memory_limit_bytes", f"Memory limit of this process ({limits.memory_source}).", registry=registry).set(limits.memory_bytes)
        Gauge("service_cpu_limit_cores", f"CPU limit of this process in cores ({limits.cpu_source}).", registry=registry).set(limits.cpu_cores)
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)

    def series(self, method: str, route: str, status: int, merchant: Optional[str], endpoint: Optional[str] = None) -> _Series:
        """The record of one combination (route = template), created on first use."""
        key = (method, route, status, merchant)
        found = self._series.get(key)
        if found is None:
            found = self._series[key] = _Series(endpoint)
        return found

    def observe(self, method: str, route: str, status: int, seconds: float, merchant: Optional[str] = None, endpoint: Optional[str] = None) -> None:
        """Counts one finished request (the middleware inlines this; kept for tests and callers)."""
        s = self.series(method, route, status, merchant, endpoint)
        s.counts[bisect_left(HTTP_DURATION_BUCKETS, seconds)] += 1  # le: value <= bound
        s.sum += seconds
        s.count += 1

    # -- prometheus_client collector protocol -------------------------------------------------

    def describe(self) -> list[Metric]:
        return list(self._families(with_samples=False))

    def collect(self) -> Iterator[Metric]:
        return self._families(with_samples=True)

    def _families(self, with_samples: bool) -> Iterator[Metric]:
        labels = ["method", "route", "status"]
        requests = CounterMetricFamily("http_requests", "HTTP requests completed, by method, route template and status code.", labels=labels)
        duration = HistogramMetricFamily(
            "http_request_duration_seconds",
            "Time from request received to response finished, by method, route template and status code.",
            labels=labels,
        )
        calls = CounterMetricFamily(
            "merchant_api_calls",
            "merchant-api calls by merchant (fixed list + other), endpoint (route name) and status code.",
            labels=["merchant", "endpoint", "status"],
        )
        in_flight = GaugeMetricFamily("http_requests_in_flight", "HTTP requests received whose response has not finished yet.")
        if with_samples:
            http: dict[tuple[str, str, int], _Series] = {}
            # Successful calls exist at 0 for every merchant and endpoint from the first scrape.
            by_merchant: dict[tuple[str, str, int], int] = {
                (merchant, endpoint, 200): 0 for merchant in (*MERCHANTS, OTHER_MERCHANT) for endpoint in self._endpoints
            }
            for (method, route, status, merchant), s in list(self._series.items()):
                key = (method, route, status)
                total = http.get(key)
                if total is None:
                    total = http[key] = _Series()
                total.counts = [a + b for a, b in zip(total.counts, s.counts)]
                total.sum += s.sum
                total.count += s.count
                if merchant is not None and s.endpoint is not None:
                    k = (merchant, s.endpoint, status)
                    by_merchant[k] = by_merchant.get(k, 0) + s.count
            for (method, route_path, status), s in http.items():
                values = [method, route_path, str(status)]
                requests.add_metric(values, s.count)
                cumulative, buckets = 0, []
                for le, n in zip(_LE, s.counts):
                    cumulative += n
                    buckets.append((le, cumulative))
                buckets.append(("+Inf", s.count))
                duration.add_metric(values, buckets, s.sum)
            for (merchant, endpoint, status), n in by_merchant.items():
                calls.add_metric([merchant, endpoint, str(status)], n)
            in_flight.add_metric([], self.in_flight)
        yield from (requests, duration, in_flight, calls)


Scope = dict[str, Any]


class MetricsMiddleware:
    """Times every API request and records it under its route template once it has finished."""

    def __init__(self, app, metrics: ServiceMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] in UNINSTRUMENTED_PATHS:
            await self.app(scope, receive, send)
            return
        metrics = self.metrics
        started = perf_counter()
        # Stays 499 only if no response was ever started (the request task was cancelled).
        status = CLIENT_CLOSED_STATUS

        # A plain function returning send's awaitable, not a coroutine of its own: one frame
        # fewer per ASGI message (two per request), measured by `npm run bench`.
        def send_wrapper(message: dict):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            return send(message)

        metrics.in_flight += 1
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # An exception escaping the app before any response becomes the server's 500.
            if status == CLIENT_CLOSED_STATUS:
                status = 500
            raise
        finally:
            seconds = perf_counter() - started
            metrics.in_flight -= 1
            method = scope["method"]
            if method not in STANDARD_METHODS:
                method = OTHER_METHOD
            route = scope.get("route")
            merchant = endpoint = None
            if route is None:
                path = UNMATCHED_ROUTE
            else:
                path = route.path
                merchant_id = scope["path_params"].get("merchant_id")
                if merchant_id is not None:
                    merchant = merchant_id if merchant_id in _KNOWN else OTHER_MERCHANT
            # ServiceMetrics.observe, inlined: this runs once per request.
            key = (method, path, status, merchant)
            s = metrics._series.get(key)
            if s is None:
                s = metrics.series(method, path, status, merchant, route.name if route is not None else None)
            s.counts[bisect_left(HTTP_DURATION_BUCKETS, seconds)] += 1
            s.sum += seconds
            s.count += 1

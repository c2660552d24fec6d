"""Prometheus instrumentation of merchant-api: the fleet's RED metrics with the same names,
labels and buckets as the Node services (docs/metrics.md), merchant_api_calls_total, the limit
gauges and the process collectors, all on one registry per app.

The middleware is plain ASGI (not Starlette's BaseHTTPMiddleware, which costs a task and a
stream per request). It reads the route TEMPLATE Starlette stores in scope["route"] once routing
is done, so `route` is bounded: "/merchants/{merchant_id}", never a raw path.
"""
from __future__ import annotations

import time
from typing import Any, Awaitable, Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

from .catalog import MERCHANTS, OTHER_MERCHANT, merchant_label
from .limits import ResourceLimits

# The *_created series would double every counter's series count for no use on our dashboards.
disable_created_metrics()

HTTP_DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5)
UNMATCHED_ROUTE = "__unmatched__"
OTHER_METHOD = "OTHER"
CLIENT_CLOSED_STATUS = "499"
STANDARD_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNINSTRUMENTED_PATHS = frozenset({"/metrics", "/healthz"})

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


class ServiceMetrics:
    """The metrics of one merchant-api instance, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry, limits: ResourceLimits, endpoints: list[str]):
        labels = ["method", "route", "status"]
        self.registry = registry
        self.requests = Counter("http_requests", "HTTP requests completed, by method, route template and status code.", labels, registry=registry)
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time from request received to response finished, by method, route template and status code.",
            labels,
            buckets=HTTP_DURATION_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge("http_requests_in_flight", "HTTP requests received whose response has not finished yet.", registry=registry)
        self.merchant_calls = Counter(
            "merchant_api_calls",
            "merchant-api calls by merchant (fixed list + other), endpoint (route name) and status code.",
            ["merchant", "endpoint", "status"],
            registry=registry,
        )
        Gauge("service_memory_limit_bytes", f"Memory limit of this process ({limits.memory_source}).", registry=registry).set(limits.memory_bytes)
        Gauge("service_cpu_limit_cores", f"CPU limit of this process in cores ({limits.cpu_source}).", registry=registry).set(limits.cpu_cores)
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        # Successful calls exist at 0 for every merchant and endpoint from the first scrape.
        for merchant in (*MERCHANTS, OTHER_MERCHANT):
            for endpoint in endpoints:
                self.merchant_calls.labels(merchant, endpoint, "200")
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._merchant_children: dict[tuple[str, str, str], Any] = {}

    def observe(self, method: str, route: str, status: str, seconds: float) -> None:
        """Counts one finished request; children are cached because the label space is bounded."""
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            child = (self.requests.labels(*key), self.duration.labels(*key))
            self._children[key] = child
        child[0].inc()
        child[1].observe(seconds)

    def merchant_call(self, merchant_id: str, endpoint: str, status: str) -> None:
        key = (merchant_label(merchant_id), endpoint, status)
        child = self._merchant_children.get(key)
        if child is None:
            child = self._merchant_children[key] = self.merchant_calls.labels(*key)
        child.inc()


class MetricsMiddleware:
    """Times every API request and records it under its route template once it has finished."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] in UNINSTRUMENTED_PATHS:
            await self.app(scope, receive, send)
            return
        metrics = self.metrics
        started = time.perf_counter()
        # Stays 499 only if no response was ever started (the request task was cancelled).
        status = CLIENT_CLOSED_STATUS

        async def send_wrapper(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
            await send(message)

        metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # An exception escaping the app before any response becomes the server's 500.
            if status == CLIENT_CLOSED_STATUS:
                status = "500"
            raise
        finally:
            metrics.in_flight.dec()
            method = scope["method"] if scope["method"] in STANDARD_METHODS else OTHER_METHOD
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED_ROUTE
            metrics.observe(method, template, status, time.perf_counter() - started)
            merchant_id = scope.get("path_params", {}).get("merchant_id")
            if merchant_id is not None and route is not None:
                metrics.merchant_call(merchant_id, getattr(route, "name", "unknown"), status)

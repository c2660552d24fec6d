"""Fault injection for merchant-api (same admin API as the Node services, services/lib/admin.ts).

The fault is applied by a FastAPI dependency of the API routes, i.e. AFTER routing: injected
failures are counted under their real route template, exactly like real ones. The admin app is
a separate ASGI app served on ADMIN_HOST:ADMIN_PORT only when CHAOS_ENABLED=true.
"""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any, Optional

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Gauge


class InjectedFault(Exception):
    """Raised on the request path when the active fault fails this request."""


@dataclass(frozen=True)
class FaultSpec:
    """A requested fault: failing fraction, added latency, lifetime."""

    error_ratio: float
    latency_ms: int
    duration_seconds: float


class FaultInjector:
    """Holds the current fault, applies it, and exports it as gauges."""

    def __init__(self, registry: Optional[CollectorRegistry], rng: random.Random | None = None):
        self._spec: Optional[FaultSpec] = None
        self._until = 0.0
        self._rng = rng or random.Random()
        self._ratio = self._latency = None
        if registry is not None:
            self._ratio = Gauge("chaos_fault_error_ratio", "Fraction of API requests the chaos control currently fails with 503 (0 = no fault).", registry=registry)
            self._latency = Gauge("chaos_fault_latency_seconds", "Latency the chaos control currently adds to every API request.", registry=registry)

    def set(self, spec: FaultSpec) -> dict:
        self._spec = spec
        self._until = time.monotonic() + spec.duration_seconds
        self._gauges(spec.error_ratio, spec.latency_ms / 1000)
        return self.status()

    def clear(self) -> dict:
        self._spec = None
        self._gauges(0, 0)
        return self.status()

    def _gauges(self, ratio: float, latency: float) -> None:
        if self._ratio is not None:
            self._ratio.set(ratio)
            self._latency.set(latency)

    def active(self) -> Optional[FaultSpec]:
        # Expiry is checked lazily here and by status(), so no timer task is needed.
        if self._spec is not None and time.monotonic() >= self._until:
            self.clear()
        return self._spec

    def status(self) -> dict:
        spec = self.active()
        return {
            "active": spec is not None,
            "errorRatio": spec.error_ratio if spec else 0,
            "latencyMs": spec.latency_ms if spec else 0,
            "remainingSeconds": max(0.0, self._until - time.monotonic()) if spec else 0,
        }

    async def apply(self) -> None:
        """The request-path hook: sleeps and/or raises InjectedFault while a fault is active."""
        spec = self.active()
        if spec is None:
            return
        if spec.latency_ms > 0:
            await asyncio.sleep(spec.latency_ms / 1000)
        if self._rng.random() < spec.error_ratio:
            raise InjectedFault()


def _number(body: dict, key: str, default: float, problems: list[str]) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"{key}: must be a number")
        return default
    return float(value)


def parse_fault_request(body: Any) -> tuple[Optional[FaultSpec], list[str]]:
    """Validates a POST /chaos/fault body with the same rules and messages as the Node services."""
    if not isinstance(body, dict):
        return None, ["body must be a JSON object"]
    problems = [f"{key}: unknown field" for key in body if key not in {"errorRatio", "latencyMs", "durationSeconds"}]
    ratio = _number(body, "errorRatio", 0, problems)
    latency = _number(body, "latencyMs", 0, problems)
    duration = _number(body, "durationSeconds", 60, problems)
    if not 0 <= ratio <= 1:
        problems.append("errorRatio: errorRatio must be in [0, 1]")
    if latency != int(latency):
        problems.append("latencyMs: latencyMs must be an integer")
    if latency < 0:
        problems.append("latencyMs: latencyMs must be >= 0")
    if latency > 30000:
        problems.append("latencyMs: latencyMs must be <= 30000")
    if duration <= 0:
        problems.append("durationSeconds: durationSeconds must be > 0")
    if duration > 3600:
        problems.append("durationSeconds: durationSeconds must be <= 3600")
    if not problems and ratio == 0 and latency == 0:
        problems.append("set errorRatio > 0 and/or latencyMs > 0; to clear a fault use DELETE /chaos/fault")
    if problems:
        return None, problems
    return FaultSpec(ratio, int(latency), duration), []


def build_admin_app(fault: FaultInjector) -> FastAPI:
    """The admin listener's app: GET/POST/DELETE /chaos/fault and /healthz."""
    admin = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @admin.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @admin.get("/chaos/fault")
    async def get_fault() -> dict:
        return fault.status()

    @admin.post("/chaos/fault")
    async def post_fault(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "invalid_json", "message": "body is not valid JSON"}, status_code=400)
        spec, problems = parse_fault_request(body)
        if spec is None:
            return JSONResponse({"error": "invalid_request", "message": "; ".join(problems), "problems": problems}, status_code=400)
        return JSONResponse(fault.set(spec), status_code=201)

    @admin.delete("/chaos/fault")
    async def delete_fault() -> dict:
        return fault.clear()

    return admin

"""merchant-api: merchant profiles, balances, transactions and settings for the fleet.

    GET   /merchants/{merchant_id}               get_merchant
    GET   /merchants/{merchant_id}/balance       get_balance
    GET   /merchants/{merchant_id}/transactions  list_transactions (?limit=1..100)
    PATCH /merchants/{merchant_id}/settings      update_settings ({"payoutSchedule": ...})
    GET   /metrics, /healthz

The route function names are the `endpoint` label of merchant_api_calls_total.
"""
from __future__ import annotations

import asyncio
import hashlib
import math
import random
import re
from dataclasses import dataclass
from typing import Literal, Optional

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from .catalog import CURRENCIES, MERCHANTS
from .chaos import FaultInjector, InjectedFault, build_admin_app
from .config import Settings
from .limits import ResourceLimits, detect_limits
from .metrics import MetricsMiddleware, ServiceMetrics

_MERCHANT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_KNOWN = frozenset(MERCHANTS)
Z99 = 2.3263478740408408


class ApiError(Exception):
    """An error answered as {"error": code, "message": ...} with an HTTP status."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class SettingsUpdate(BaseModel):
    """PATCH /merchants/{merchant_id}/settings body."""

    model_config = ConfigDict(extra="forbid")
    payoutSchedule: Literal["daily", "weekly", "monthly"]


@dataclass
class Service:
    """A built merchant-api: the API app, the admin app (chaos enabled only), and its parts."""

    app: FastAPI
    admin: Optional[FastAPI]
    settings: Settings
    limits: ResourceLimits
    registry: Optional[CollectorRegistry]


def _seed(merchant_id: str) -> int:
    return int.from_bytes(hashlib.sha256(merchant_id.encode()).digest()[:8], "big")


def create_service(settings: Settings, rng: Optional[random.Random] = None) -> Service:
    """Builds merchant-api for ``settings``; nothing is listening until the server runs it."""
    rng = rng or random.Random()
    limits = detect_limits(settings.memory_limit_bytes, settings.cpu_limit_cores)
    registry = CollectorRegistry() if settings.metrics_enabled else None
    fault = FaultInjector(registry) if settings.chaos_enabled else None
    sigma = math.log(settings.latency_p99_ms / settings.latency_median_ms) / Z99
    mu = math.log(settings.latency_median_ms)

    async def simulate_work() -> None:
        """Latency from the log-normal profile, then the configured share of dependency failures."""
        if settings.latency_scale > 0:
            delay_ms = min(rng.lognormvariate(mu, sigma), settings.latency_p99_ms * 5)
            await asyncio.sleep(delay_ms * settings.latency_scale / 1000)
        if rng.random() < settings.error_ratio:
            raise ApiError(503, "dependency_unavailable", "the merchant database did not answer in time")

    def merchant(merchant_id: str) -> str:
        if not _MERCHANT_ID.fullmatch(merchant_id):
            raise ApiError(400, "invalid_merchant_id", "merchant_id must be 1-64 lowercase letters, digits or dashes")
        if merchant_id not in _KNOWN:
            raise ApiError(404, "merchant_not_found", "no merchant has this id")
        return merchant_id

    async def fault_gate() -> None:
        if fault is not None:
            await fault.apply()

    # Without chaos there is no dependency at all: nothing to pay for on the hot path.
    router = APIRouter(dependencies=[Depends(fault_gate)] if fault is not None else [])

    @router.get("/merchants/{merchant_id}")
    async def get_merchant(merchant_id: str = Depends(merchant)) -> dict:
        await simulate_work()
        seed = _seed(merchant_id)
        return {"id": merchant_id, "name": merchant_id.replace("-", " ").title(), "status": "active",
                "country": ["US", "GB", "DE", "CA", "AU"][seed % 5], "currency": CURRENCIES[seed % len(CURRENCIES)]}

    @router.get("/merchants/{merchant_id}/balance")
    async def get_balance(merchant_id: str = Depends(merchant)) -> dict:
        await simulate_work()
        seed = _seed(merchant_id)
        return {"merchantId": merchant_id, "currency": CURRENCIES[seed % len(CURRENCIES)],
                "available": round((seed % 10_000_000) / 100, 2), "pending": round((seed % 777_777) / 100, 2)}

    @router.get("/merchants/{merchant_id}/transactions")
    async def list_transactions(merchant_id: str = Depends(merchant), limit: int = Query(20, ge=1, le=100)) -> dict:
        await simulate_work()
        seed = _seed(merchant_id)
        items = [{"id": f"txn_{(seed + i) % 10**12:012d}", "amount": round(5 + (seed >> i) % 50_000 / 100, 2)} for i in range(limit)]
        return {"merchantId": merchant_id, "items": items}

    @router.patch("/merchants/{merchant_id}/settings")
    async def update_settings(update: SettingsUpdate, merchant_id: str = Depends(merchant)) -> dict:
        await simulate_work()
        return {"merchantId": merchant_id, "payoutSchedule": update.payoutSchedule}

    app = FastAPI(title="merchant-api", openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(router)
    _install_error_handlers(app)

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok", "service": settings.service_name}

    if registry is not None:
        endpoints = [r.name for r in router.routes]
        app.add_middleware(MetricsMiddleware, metrics=ServiceMetrics(registry, limits, endpoints))

        @app.get("/metrics")
        async def metrics() -> Response:
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    admin = build_admin_app(fault) if fault is not None else None
    return Service(app=app, admin=admin, settings=settings, limits=limits, registry=registry)


def _install_error_handlers(app: FastAPI) -> None:
    """Every error is {"error": code, "message": ...}, like the Node services; 422 becomes 400."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, err: ApiError) -> JSONResponse:
        return JSONResponse({"error": err.code, "message": err.message}, status_code=err.status)

    @app.exception_handler(InjectedFault)
    async def injected(_request: Request, _err: InjectedFault) -> JSONResponse:
        return JSONResponse({"error": "injected_fault", "message": "chaos fault injection is active on this service"}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        errors = err.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse({"error": "invalid_json", "message": "body is not valid JSON"}, status_code=400)
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in errors]
        return JSONResponse({"error": "invalid_request", "message": "; ".join(problems), "problems": problems}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, err: StarletteHTTPException) -> JSONResponse:
        codes = {404: ("not_found", "no route matches this method and path"), 405: ("method_not_allowed", "this route does not accept this method")}
        code, message = codes.get(err.status_code, ("http_error", str(err.detail)))
        return JSONResponse({"error": code, "message": message}, status_code=err.status_code, headers=getattr(err, "headers", None))

"""merchant-api's environment: the fleet's shared contract (same names and defaults as the Node
services, services/lib/env.ts) plus its own simulated behaviour. Every invalid variable is
reported at once, naming the variable, the value received and what is allowed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, TypeVar

T = TypeVar("T")

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}


class EnvError(ValueError):
    """The environment is invalid; ``problems`` has one line per variable."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid environment:\n  - " + "\n  - ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """Parsed settings of merchant-api."""

    service_name: str = "merchant-api"
    host: str = "127.0.0.1"
    port: int = 8080
    admin_host: str = "127.0.0.1"
    admin_port: int = 8081
    chaos_enabled: bool = False
    metrics_enabled: bool = True
    memory_limit_bytes: Optional[int] = None
    cpu_limit_cores: Optional[float] = None
    latency_scale: float = 1.0
    # Defaults mirror merchant-api's profile in services/fleet.ts.
    latency_median_ms: float = 30.0
    latency_p99_ms: float = 350.0
    error_ratio: float = 0.001  # 0.2x the 99.5% availability budget: a normal day stays green


def _bool(raw: str) -> bool:
    if raw.lower() in TRUE:
        return True
    if raw.lower() in FALSE:
        return False
    raise ValueError("must be one of true/false, 1/0, yes/no, on/off")


def _port(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 65535:
        raise ValueError("must be a port number 0-65535")
    return value


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _positive(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError("must be a positive number")
    return value


def _ranged(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        value = float(raw)
        if not low <= value <= high:
            raise ValueError(f"must be a number in [{low}, {high}]")
        return value
    return parse


def _name(raw: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,62}", raw):
        raise ValueError("must be a lowercase service name such as merchant-api")
    return raw


def _workers(raw: str) -> int:
    value = int(raw)
    if value != 1:
        # One worker per process/container on purpose: see services/README.md ("Python and workers").
        raise ValueError(
            "merchant-api runs exactly one worker per process: several workers would each keep their own "
            "metrics behind one port; scale with more instances (each its own scrape target) instead"
        )
    return value


def load_settings(env: Mapping[str, str]) -> Settings:
    """Parses ``env``; raises EnvError listing every invalid variable."""
    problems: list[str] = []
    values: dict[str, object] = {}

    def read(key: str, field: str, parse: Callable[[str], T]) -> None:
        raw = env.get(key, "")
        if raw == "":
            return
        try:
            values[field] = parse(raw)
        except ValueError as err:
            message = str(err) if not str(err).startswith(("invalid literal", "could not convert")) else "must be a number"
            problems.append(f'{key}="{raw}": {message}')

    read("SERVICE_NAME", "service_name", _name)
    read("HOST", "host", str)
    read("PORT", "port", _port)
    read("ADMIN_HOST", "admin_host", str)
    read("ADMIN_PORT", "admin_port", _port)
    read("CHAOS_ENABLED", "chaos_enabled", _bool)
    read("METRICS_ENABLED", "metrics_enabled", _bool)
    read("MEMORY_LIMIT_BYTES", "memory_limit_bytes", _positive_int)
    read("CPU_LIMIT_CORES", "cpu_limit_cores", _positive)
    read("LATENCY_SCALE", "latency_scale", _ranged(0, 100))
    read("MERCHANT_ERROR_RATIO", "error_ratio", _ranged(0, 1))
    # uvicorn takes its default --workers from WEB_CONCURRENCY: refuse it here, where it would bite.
    read("WEB_CONCURRENCY", "_workers", _workers)
    if env.get("PROMETHEUS_MULTIPROC_DIR"):
        problems.append(
            f'PROMETHEUS_MULTIPROC_DIR="{env["PROMETHEUS_MULTIPROC_DIR"]}": multiprocess mode is not used by '
            "merchant-api (one worker per process); unset it"
        )
    if problems:
        raise EnvError(problems)
    values.pop("_workers", None)
    return Settings(**values)  # type: ignore[arg-type]

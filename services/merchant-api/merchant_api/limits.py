"""Resource limits of this process, exported as service_memory_limit_bytes and
service_cpu_limit_cores (same rules as services/lib/limits.ts): explicit override, then cgroup v2
(memory.max, cpu.max), then cgroup v1, then the documented fallback (512 MiB, host cores)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

FALLBACK_MEMORY_LIMIT_BYTES = 512 * 1024 * 1024
_V1_UNLIMITED = 2**60  # cgroup v1 says "unlimited" with a page-rounded 2^63-1


@dataclass(frozen=True)
class ResourceLimits:
    """Limits in force and where each came from (env, cgroup-v2, cgroup-v1, fallback)."""

    memory_bytes: int
    memory_source: str
    cpu_cores: float
    cpu_source: str


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """Maps each controller in /proc/self/cgroup to its path ("" is the v2 unified hierarchy)."""
    result: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in parts[1].split(","):
            result[controller] = parts[2]
    return result


def _first(dirs: list[Path], name: str) -> Optional[str]:
    for directory in dirs:
        value = _read(directory / name)
        if value is not None:
            return value
    return None


def _under(root: Path, *parts: str) -> Path:
    return root.joinpath(*(p.lstrip("/") for p in parts if p))


def detect_limits(
    memory_override: Optional[int] = None,
    cpu_override: Optional[float] = None,
    cgroup_root: str = "/sys/fs/cgroup",
    proc_self_cgroup: str = "/proc/self/cgroup",
) -> ResourceLimits:
    """Detects the memory and CPU limits of the current process."""
    root = Path(cgroup_root)
    cgroups = parse_proc_cgroup(_read(Path(proc_self_cgroup)) or "")
    v2_dirs = [_under(root, cgroups.get("", "/")), root]

    def v1_dirs(controller: str, mounts: list[str]) -> list[Path]:
        return [d for m in mounts for d in (_under(root, m, cgroups.get(controller, "/")), root / m)]

    memory, memory_source = None, "fallback"
    if memory_override is not None:
        memory, memory_source = memory_override, "env"
    else:
        v2 = _first(v2_dirs, "memory.max")
        raw = v2 if v2 is not None else _first(v1_dirs("memory", ["memory"]), "memory.limit_in_bytes")
        if raw is not None and raw.isdigit() and 0 < int(raw) < _V1_UNLIMITED:
            memory, memory_source = int(raw), ("cgroup-v2" if v2 is not None else "cgroup-v1")

    cpu, cpu_source = None, "fallback"
    if cpu_override is not None:
        cpu, cpu_source = cpu_override, "env"
    else:
        v2 = _first(v2_dirs, "cpu.max")
        if v2 is not None:
            quota, _, period = v2.partition(" ")
            if quota.isdigit() and period.isdigit() and int(period) > 0:
                cpu, cpu_source = int(quota) / int(period), "cgroup-v2"
        else:
            dirs = v1_dirs("cpu", ["cpu,cpuacct", "cpu"])
            quota_raw, period_raw = _first(dirs, "cpu.cfs_quota_us"), _first(dirs, "cpu.cfs_period_us")
            if quota_raw and period_raw and quota_raw.isdigit() and period_raw.isdigit() and int(period_raw) > 0:
                cpu, cpu_source = int(quota_raw) / int(period_raw), "cgroup-v1"

    return ResourceLimits(
        memory_bytes=memory if memory is not None else FALLBACK_MEMORY_LIMIT_BYTES,
        memory_source=memory_source,
        cpu_cores=cpu if cpu is not None else float(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1),
        cpu_source=cpu_source,
    )

"""Limit detection against fixture cgroup trees (same rules as the Node services)."""
from __future__ import annotations

import os

from merchant_api.limits import FALLBACK_MEMORY_LIMIT_BYTES, detect_limits


def _tree(tmp_path, files):
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return {"cgroup_root": str(tmp_path / "sys"), "proc_self_cgroup": str(tmp_path / "proc-self-cgroup")}


def test_overrides_win_over_the_cgroup(tmp_path):
    paths = _tree(tmp_path, {"sys/memory.max": "1000", "proc-self-cgroup": "0::/\n"})
    limits = detect_limits(123, 3.0, **paths)
    assert (limits.memory_bytes, limits.memory_source, limits.cpu_cores, limits.cpu_source) == (123, "env", 3.0, "env")


def test_cgroup_v2_limits_are_read_from_the_process_cgroup(tmp_path):
    paths = _tree(tmp_path, {"proc-self-cgroup": "0::/pod1\n", "sys/pod1/memory.max": "268435456\n", "sys/pod1/cpu.max": "50000 100000\n"})
    limits = detect_limits(**paths)
    assert (limits.memory_bytes, limits.memory_source, limits.cpu_cores, limits.cpu_source) == (268435456, "cgroup-v2", 0.5, "cgroup-v2")


def test_cgroup_v1_limits_are_read_and_unlimited_falls_back(tmp_path):
    paths = _tree(tmp_path, {
        "proc-self-cgroup": "4:memory:/d\n3:cpu,cpuacct:/d\n",
        "sys/memory/d/memory.limit_in_bytes": "1073741824\n",
        "sys/cpu,cpuacct/d/cpu.cfs_quota_us": "150000\n",
        "sys/cpu,cpuacct/d/cpu.cfs_period_us": "100000\n",
    })
    limits = detect_limits(**paths)
    assert (limits.memory_bytes, limits.memory_source, limits.cpu_cores, limits.cpu_source) == (1073741824, "cgroup-v1", 1.5, "cgroup-v1")
    (tmp_path / "sys/memory/d/memory.limit_in_bytes").write_text("9223372036854771712\n")
    (tmp_path / "sys/cpu,cpuacct/d/cpu.cfs_quota_us").write_text("-1\n")
    fallback = detect_limits(**paths)
    assert (fallback.memory_bytes, fallback.memory_source, fallback.cpu_source) == (FALLBACK_MEMORY_LIMIT_BYTES, "fallback", "fallback")
    assert fallback.cpu_cores == len(os.sched_getaffinity(0))

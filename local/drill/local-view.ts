/**
 * What a drill can see of a service on the local stack beyond its metrics: the supervisor's
 * record of it (pid, restarts, why it last exited: <state>/run/pids.json) and its cgroup (the
 * kernel's OOM-kill counter and working set). Nothing here exists on dev/prod, where the
 * drill relies on Prometheus (cAdvisor) alone.
 */
import * as fs from "fs";
import { parseMountinfo, serviceCgroupPath, ServiceCgroup } from "../cgroups";
import { pidFile, type PidRecord } from "../supervisor";

export class LocalView {
  private readonly cgroup: ServiceCgroup | null;

  constructor(
    private readonly stateDir: string,
    readonly service: string,
  ) {
    const driver = parseMountinfo(fs.readFileSync("/proc/self/mountinfo", "utf8"));
    this.cgroup = "unavailable" in driver ? null : new ServiceCgroup(driver, serviceCgroupPath(stateDir, service), { memoryBytes: 0, cpuCores: 0 });
  }

  /** The supervisor's record of the service, or null (no stack, or not supervised here). */
  record(): PidRecord | null {
    try {
      return (JSON.parse(fs.readFileSync(pidFile(this.stateDir), "utf8")) as PidRecord[]).find((r) => r.name === this.service) ?? null;
    } catch {
      return null;
    }
  }

  /** The cgroup path the service runs in, per the supervisor (null: no cgroup, the fallback). */
  cgroupPath(): string | null {
    return this.record()?.cgroup ?? null;
  }

  /** OOM kills the kernel counted in the service's cgroup (null without one). */
  oomKills(): number | null {
    return this.cgroupPath() && this.cgroup ? this.cgroup.oomKills() : null;
  }
}

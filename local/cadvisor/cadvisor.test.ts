/**
 * Our cAdvisor build (the upstream library under local/cadvisor/main.go) against a real
 * cgroup-limited process: it reports the cgroup with the limit and CPU quota the cgroup was
 * given and the working set the kernel accounts, under upstream's metric names and labels,
 * only for the stack's own cgroups (plus the machine's root), and counts the kernel's OOM kill.
 *
 * Needs the built binary (bash scripts/tools/build.sh cadvisor) and root with a writable cgroup
 * filesystem; without either the suite is reported SKIPPED with the reason (CI requires both).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cadvisorArgs } from "../../render/cadvisor";
import { optional, skipReason } from "../../scripts/tools/find";
import { freePort } from "../../tests/helpers/ports";
import { openCgroups, type CgroupTree } from "../cgroups";
import { Supervisor } from "../supervisor";

const tool = optional("cadvisor");
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "cadvisor-test-"));
const opened = openCgroups(stateDir, { ...process.env, LOCAL_CGROUP_PARENT: "/monitoring-stack-test", LOCAL_CGROUPS: process.env.CI === "true" ? "required" : "auto" });
const skip = !tool ? skipReason("cadvisor") : "unavailable" in opened ? `SKIPPED: no cgroups (${opened.unavailable})` : null;
if (skip) {
  if ("tree" in opened) void opened.tree.remove();
  fs.rmSync(stateDir, { recursive: true, force: true });
}

/** Parses a Prometheus text exposition into samples (name, labels, value). */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

(skip ? describe.skip : describe)(skip ? `cAdvisor over real cgroups — ${skip}` : "cAdvisor over real cgroups", () => {
  const tree = (opened as { tree: CgroupTree }).tree;
  const sup = new Supervisor(stateDir);
  let metricsUrl = "";
  const scrape = async () => samples(await (await fetch(metricsUrl)).text());

  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const spec = { name: "cadvisor", command: tool!.path, args: cadvisorArgs({ port, listenIp: "127.0.0.1", watch: { cgroupPrefix: `${tree.root}/` } }), ports: [port], healthUrl: `http://127.0.0.1:${port}/healthz` };
    sup.start(spec);
    await sup.waitHealthy(spec, 30_000);
  }, 60_000);

  afterAll(async () => {
    await sup.stopAll(5000);
    await tree.remove();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  test("a cgroup-limited process is reported with its limit, its CPU quota and the kernel's working set; an OOM kill is counted", async () => {
    const limit = 64 * 2 ** 20;
    const cg = tree.create("probe", { memoryBytes: limit, cpuCores: 0.5 });
    const marker = path.join(stateDir, "grow");
    // 24 MiB, then (when `marker` exists) without end: the kernel kills it at 64 MiB.
    const py = `import os, time\nb=[]\ndef grab():\n  x=bytearray(1<<20)\n  for i in range(0, len(x), 4096): x[i]=1\n  b.append(x)\nwhile len(b) < 24: grab()\nwhile not os.path.exists(${JSON.stringify(marker)}): time.sleep(0.1)\nwhile True:\n  grab()\n  time.sleep(0.01)`;
    sup.start({ name: "probe", command: "/usr/bin/python3", args: ["-c", py], ports: [], healthUrl: null, cgroup: cg });

    const of = (all: Awaited<ReturnType<typeof scrape>>, name: string) => all.filter((s) => s.name === name && s.labels.id === cg.path);
    let all = await scrape();
    const deadline = Date.now() + 60_000;
    // Housekeeping is every 10 s (the flags dev/prod use): wait until it has seen the 24 MiB.
    while (!(of(all, "container_memory_working_set_bytes")[0]?.value > 24 * 2 ** 20) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      all = await scrape();
    }
    const kernel = cg.memory().workingSetBytes;
    const ws = of(all, "container_memory_working_set_bytes");
    expect(ws).toHaveLength(1);
    expect(ws[0].value).toBeGreaterThan(24 * 2 ** 20);
    expect(Math.abs(ws[0].value - kernel)).toBeLessThan(2 * 2 ** 20);
    expect(of(all, "container_spec_memory_limit_bytes").map((s) => s.value)).toEqual([limit]);
    expect(of(all, "container_spec_cpu_quota").map((s) => s.value)).toEqual([50_000]);
    expect(of(all, "container_spec_cpu_period").map((s) => s.value)).toEqual([100_000]);
    // percpu is disabled (as on dev/prod): one total series.
    expect(of(all, "container_cpu_usage_seconds_total").map((s) => s.labels.cpu)).toEqual(["total"]);
    expect(of(all, "container_oom_events_total").map((s) => s.value)).toEqual([0]);
    // Upstream's label set for a raw cgroup: only id (no alias, no image, no container labels).
    expect(Object.keys(ws[0].labels)).toEqual(["id"]);
    // Only the stack's cgroups and the machine's root, not every cgroup of the machine.
    expect([...new Set(all.filter((s) => s.name === "container_memory_working_set_bytes").map((s) => s.labels.id))].sort()).toEqual(["/", cg.path].sort());

    fs.writeFileSync(marker, "");
    let kills = 0;
    const end = Date.now() + 60_000;
    while (kills < 1 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 1000));
      kills = of(await scrape(), "container_oom_events_total")[0]?.value ?? 0;
    }
    expect(cg.oomKills()).toBeGreaterThanOrEqual(1);
    expect(kills).toBe(cg.oomKills());
  }, 150_000);
});

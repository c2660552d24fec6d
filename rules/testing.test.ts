/**
 * The rules tests' harness: RunAhead, which runs the promtool timelines two at a time while each
 * test still reads its own result, in order.
 */
import { RunAhead, runAsync } from "./testing";

/** Jobs that record when they start and finish, and end when the test says so. */
function jobs(n: number) {
  const log: string[] = [];
  const finish: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const make = (i: number) => () =>
    new Promise<number>((resolve) => {
      log.push(`start ${i}`);
      running++;
      most = Math.max(most, running);
      finish[i] = () => {
        running--;
        log.push(`end ${i}`);
        resolve(i);
      };
    });
  return { list: Array.from({ length: n }, (_, i) => make(i)), log, finish, most: () => most };
}

describe("RunAhead", () => {
  test("asking for job i starts it and the next width-1, so two run at once while tests read results in order", async () => {
    const j = jobs(4);
    const ahead = new RunAhead(j.list, 2);
    const first = ahead.get(0);
    expect(j.log).toEqual(["start 0", "start 1"]);
    j.finish[0]();
    expect(await first).toBe(0);
    const second = ahead.get(1);
    expect(j.log).toEqual(["start 0", "start 1", "end 0", "start 2"]);
    j.finish[1]();
    expect(await second).toBe(1);
    const third = ahead.get(2);
    j.finish[2]();
    const fourth = ahead.get(3);
    j.finish[3]();
    expect([await third, await fourth]).toEqual([2, 3]);
    expect(j.most()).toBe(2);
    expect(ahead.startedCount).toBe(4);
  });

  test("width 1 runs one job at a time and starts nothing ahead (a filtered run starts only what it reads)", async () => {
    const j = jobs(3);
    const ahead = new RunAhead(j.list, 1);
    const first = ahead.get(0);
    expect(ahead.startedCount).toBe(1);
    j.finish[0]();
    await first;
    expect(j.most()).toBe(1);
    expect(j.log).toEqual(["start 0", "end 0"]);
  });

  test("settle waits for the jobs still running, and a bad width or index is named", async () => {
    const j = jobs(2);
    const ahead = new RunAhead(j.list, 2);
    void ahead.get(0);
    let settled = false;
    const s = ahead.settle().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    j.finish[0]();
    j.finish[1]();
    await s;
    expect(settled).toBe(true);
    expect(() => new RunAhead(j.list, 0)).toThrow(/width must be an integer >= 1, got 0/);
    expect(() => ahead.get(2)).toThrow(/no job 2 \(2 jobs\)/);
  });
});

describe("runAsync", () => {
  test("reports the exit code and output, and a kill as -1, without throwing", async () => {
    expect(await runAsync("sh", ["-c", "echo out; echo err >&2; exit 3"])).toEqual({ code: 3, output: "out\nerr\n" });
    expect(await runAsync("sh", ["-c", "echo ok"])).toEqual({ code: 0, output: "ok\n" });
    const killed = await runAsync("sleep", ["5"], undefined, 200);
    expect(killed.code).toBe(-1);
  });
});

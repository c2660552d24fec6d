/**
 * The rules tests' harness: RunAhead, which keeps two promtool timelines running while each test
 * still reads its own result, in order.
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

/** Lets pending promise callbacks (a job's end, the pump it triggers) run. */
const tick = () => new Promise((r) => setImmediate(r));

describe("RunAhead", () => {
  test("keeps two jobs running in order while a long one holds the test that reads it", async () => {
    const j = jobs(4);
    const ahead = new RunAhead(j.list, 2, 3);
    const first = ahead.get(0);
    expect(j.log).toEqual(["start 0", "start 1"]);
    j.finish[1](); // a short job ends while the long job 0 still runs: the next starts
    await tick();
    expect(j.log).toEqual(["start 0", "start 1", "end 1", "start 2"]);
    j.finish[2]();
    await tick();
    expect(j.log.slice(-2)).toEqual(["end 2", "start 3"]);
    j.finish[0]();
    expect(await first).toBe(0);
    j.finish[3]();
    expect(await Promise.all([ahead.get(1), ahead.get(2), ahead.get(3)])).toEqual([1, 2, 3]);
    expect(j.most()).toBe(2);
    expect(ahead.startedCount).toBe(4);
  });

  test("starts nothing further than lookahead past the last job asked for (a filtered run stays small)", async () => {
    const j = jobs(6);
    const ahead = new RunAhead(j.list, 2, 1);
    void ahead.get(0);
    j.finish[1]();
    await tick();
    expect(ahead.startedCount).toBe(2); // job 2 is two past job 0: waits for a test to ask
    j.finish[0]();
    await tick();
    void ahead.get(4); // tests 1-3 filtered out: job 4 runs, 5 comes with it, 2 and 3 never
    expect(j.log.filter((l) => l.startsWith("start"))).toEqual(["start 0", "start 1", "start 4", "start 5"]);
  });

  test("width 1 runs one job at a time", async () => {
    const j = jobs(3);
    const ahead = new RunAhead(j.list, 1);
    const first = ahead.get(0);
    j.finish[0]();
    await first;
    await tick();
    expect(j.log).toEqual(["start 0", "end 0", "start 1"]);
    expect(j.most()).toBe(1);
  });

  test("settle waits for the jobs still running, and a bad width, lookahead or index is named", async () => {
    const j = jobs(2);
    const ahead = new RunAhead(j.list, 2);
    void ahead.get(0);
    let settled = false;
    const s = ahead.settle().then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    j.finish[0]();
    j.finish[1]();
    await s;
    expect(settled).toBe(true);
    expect(() => new RunAhead(j.list, 0)).toThrow(/width must be an integer >= 1, got 0/);
    expect(() => new RunAhead(j.list, 3, 1)).toThrow(/lookahead must be an integer >= width - 1 \(2\), got 1/);
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

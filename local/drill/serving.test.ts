import { Timeline } from "./timeline";
import { ServingWatch } from "./serving";

const recovered = (t: Timeline) => t.events.filter((e) => e.kind === "recovered").map((e) => e.at);

test("a restart no poll caught: the first answer after the supervisor's restart record is the recovery (CI's OOM drill)", () => {
  const t = new Timeline("oom", "payment-processor");
  const w = new ServingWatch(t, "payment-processor");
  w.answered(1000);
  w.answered(3000); // the old process, before the kill
  t.add("restart", "restarted", { pid: 30727 }, 5000);
  w.answered(6000); // the new process: never seen down
  w.answered(8000);
  expect(recovered(t)).toEqual([6000]);
  expect(t.events.find((e) => e.kind === "recovered")?.data).toEqual({ pid: 30727 });
});

test("a restart the polls caught: down, then up, recorded once", () => {
  const t = new Timeline("oom", "payment-processor");
  const w = new ServingWatch(t, "payment-processor");
  w.answered(1000);
  w.failed(3000);
  expect(w.isAnswering).toBe(false);
  t.add("restart", "restarted", { pid: 2 }, 4000);
  w.failed(5000);
  w.answered(7000);
  w.answered(9000);
  expect(w.isAnswering).toBe(true);
  expect(recovered(t)).toEqual([7000]);
  expect(t.events.filter((e) => e.kind === "info")).toHaveLength(1);
});

test("no restart and never down: no recovery is invented", () => {
  const t = new Timeline("oom", "payment-processor");
  const w = new ServingWatch(t, "payment-processor");
  for (const at of [1000, 3000, 5000]) w.answered(at);
  expect(recovered(t)).toEqual([]);
});

import { defaultOptions } from "./config";

describe("defaultOptions", () => {
  test("LOCAL_TRAFFIC_SCALE multiplies the traffic; a value that is not a positive number up to 10 is rejected by name", () => {
    expect(defaultOptions({ LOCAL_TRAFFIC_SCALE: "0.25" }).trafficScale).toBe(0.25);
    expect(defaultOptions({}).trafficScale).toBe(1);
    for (const bad of ["0", "-1", "abc", "11", ""]) {
      expect(() => defaultOptions({ LOCAL_TRAFFIC_SCALE: bad })).toThrow(`LOCAL_TRAFFIC_SCALE: got "${bad}"; allowed: a number above 0 and at most 10`);
    }
  });

  test("LOCAL_PORT_OFFSET outside 0-50000 is rejected by name", () => {
    expect(() => defaultOptions({ LOCAL_PORT_OFFSET: "60000" })).toThrow('LOCAL_PORT_OFFSET: got "60000"');
    expect(defaultOptions({ LOCAL_PORT_OFFSET: "100" }).ports.prometheus).toBe(defaultOptions({}).ports.prometheus + 100);
  });
});

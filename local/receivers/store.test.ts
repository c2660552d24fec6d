import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NOTIFICATIONS_FILE, NotificationStore, type NotificationRecord } from "./store";

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "receivers-store-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const rec = (receiver: "pagerduty" | "slack", ms: number, service: string | null, accepted = true): Omit<NotificationRecord, "id"> => ({
  receiver,
  receivedAt: new Date(ms).toISOString(),
  receivedAtMs: ms,
  accepted,
  status: accepted ? 200 : 400,
  errors: accepted ? [] : ["no_text: no text, attachments or blocks"],
  method: "POST",
  path: "/x",
  contentType: "application/json",
  summary: "s",
  service,
  raw: "{}",
});

describe("NotificationStore", () => {
  it("numbers records in arrival order and writes each as one JSON line, raw body last", () => {
    const dir = tmp();
    const s = NotificationStore.open(dir);
    expect(s.append(rec("slack", 1000, "a")).id).toBe(1);
    expect(s.append(rec("pagerduty", 2000, "b")).id).toBe(2);
    s.close();
    const lines = fs.readFileSync(path.join(dir, NOTIFICATIONS_FILE), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(Object.keys(JSON.parse(lines[1])).at(-1)).toBe("raw");
  });

  it("reads its records back after a restart and continues the numbering", () => {
    const dir = tmp();
    const s = NotificationStore.open(dir);
    s.append(rec("slack", 1000, "a"));
    s.close();
    const again = NotificationStore.open(dir);
    expect(again.all().map((r) => r.id)).toEqual([1]);
    expect(again.append(rec("slack", 2000, "a")).id).toBe(2);
    again.close();
  });

  it("cuts off a line torn by a crash in the middle of a write", () => {
    const dir = tmp();
    const s = NotificationStore.open(dir);
    s.append(rec("slack", 1000, "a"));
    s.close();
    fs.appendFileSync(path.join(dir, NOTIFICATIONS_FILE), '{"id":2,"receiver":"sl');
    const again = NotificationStore.open(dir);
    expect(again.all()).toHaveLength(1);
    again.append(rec("slack", 3000, "c"));
    again.close();
    expect(NotificationStore.open(dir).all().map((r) => r.receivedAtMs)).toEqual([1000, 3000]);
  });

  it("refuses a file with a damaged line in the middle, naming the file and line", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, NOTIFICATIONS_FILE), "not json\n{}\n");
    expect(() => NotificationStore.open(dir)).toThrow(`${path.join(dir, NOTIFICATIONS_FILE)}:1: not a notification record`);
  });

  it("filters by receiver, arrival time, service and acceptance", () => {
    const s = NotificationStore.open(tmp());
    s.append(rec("slack", 1000, "a"));
    s.append(rec("pagerduty", 2000, "a"));
    s.append(rec("slack", 3000, "b", false));
    expect(s.query({ receiver: "slack" }).map((r) => r.id)).toEqual([1, 3]);
    expect(s.query({ since: 2000 }).map((r) => r.id)).toEqual([2, 3]);
    expect(s.query({ service: "a", receiver: "pagerduty" }).map((r) => r.id)).toEqual([2]);
    expect(s.query({ accepted: false }).map((r) => r.id)).toEqual([3]);
    s.close();
  });

  it("keeps its directory private, as notifications carry credentials", () => {
    const dir = path.join(tmp(), "new");
    NotificationStore.open(dir).close();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, NOTIFICATIONS_FILE)).mode & 0o777).toBe(0o600);
  });

  it("refuses to append once closed", () => {
    const s = NotificationStore.open(tmp());
    s.close();
    expect(() => s.append(rec("slack", 1, null))).toThrow("is closed");
  });
});

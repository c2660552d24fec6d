/**
 * Every notification the stand-ins received, accepted or refused, as JSON lines in
 * <stateDir>/notifications.jsonl. Each append is written and fsync-ed before the HTTP
 * answer goes out, so a crash loses nothing that was acknowledged; the file is read back
 * on start, so the history and the incidents survive a restart.
 */
import * as fs from "fs";
import * as path from "path";
import type { IncidentOutcome } from "./incidents";
import type { PagerDutyFields } from "./pagerduty";
import type { SlackFields } from "./slack";
import { mkdirWithParents } from "../fs";

/** Which stand-in received a notification. */
export type ReceiverName = "pagerduty" | "slack";

/** One received notification. */
export interface NotificationRecord {
  /** 1, 2, … in arrival order (stable across restarts). */
  id: number;
  receiver: ReceiverName;
  /** Arrival time, ISO 8601 (UTC) and epoch milliseconds. */
  receivedAt: string;
  receivedAtMs: number;
  accepted: boolean;
  /** HTTP status the stand-in answered with. */
  status: number;
  /** Why it was refused (PagerDuty's error strings, or Slack's code and the reasons); empty when accepted. */
  errors: string[];
  method: string;
  /** Request path; a Slack token in it is replaced by "***". */
  path: string;
  contentType: string;
  /** One line for lists: PagerDuty's summary or Slack's title. */
  summary: string | null;
  /** The alert's service (PagerDuty custom_details.service, Slack title / text). */
  service: string | null;
  /** PagerDuty only: key fields, the effective dedup key and what the event did to its incident. */
  pagerduty?: PagerDutyFields & { outcome: IncidentOutcome | null; incident: number | null };
  /** Slack only: key fields. */
  slack?: SlackFields;
  /** The body exactly as received (UTF-8). */
  raw: string;
}

/** Filter of `query` and of GET /api/notifications. */
export interface NotificationFilter {
  receiver?: ReceiverName;
  /** Only notifications that arrived at or after this epoch millisecond. */
  since?: number;
  service?: string;
  accepted?: boolean;
}

/** The file name below the state directory. */
export const NOTIFICATIONS_FILE = "notifications.jsonl";

/** Append-only, fsync-ed JSON-lines store of notifications. */
export class NotificationStore {
  private readonly records: NotificationRecord[] = [];
  private fd: number | null;

  private constructor(readonly file: string) {
    this.records.push(...readRecords(file));
    this.fd = fs.openSync(file, "a", 0o600);
  }

  /** Opens (creating) the store of a state directory; the directory is made 0700. */
  static open(stateDir: string): NotificationStore {
    mkdirWithParents(stateDir, 0o700);
    return new NotificationStore(path.join(stateDir, NOTIFICATIONS_FILE));
  }

  /** Appends one record (assigning its id) and fsyncs it before returning. */
  append(r: Omit<NotificationRecord, "id">): NotificationRecord {
    if (this.fd === null) throw new Error(`notification store ${this.file} is closed`);
    // raw last: the key fields come first when a person reads the file.
    const { raw, ...fields } = r;
    const rec: NotificationRecord = { id: this.records.length + 1, ...fields, raw };
    fs.writeSync(this.fd, JSON.stringify(rec) + "\n");
    fs.fsyncSync(this.fd);
    this.records.push(rec);
    return rec;
  }

  /** Every record, oldest first. */
  all(): readonly NotificationRecord[] {
    return this.records;
  }

  /** Records matching the filter, oldest first. */
  query(f: NotificationFilter = {}): NotificationRecord[] {
    return this.records.filter(
      (r) =>
        (f.receiver === undefined || r.receiver === f.receiver) &&
        (f.since === undefined || r.receivedAtMs >= f.since) &&
        (f.service === undefined || r.service === f.service) &&
        (f.accepted === undefined || r.accepted === f.accepted),
    );
  }

  /** Closes the file; later appends throw (reads still work). */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Reads a store file. A last line without its newline is the trace of a crash in the
 * middle of a write that was never acknowledged: it is cut off so that the next append
 * starts on a line of its own. Any other unreadable line is an error (someone edited the file).
 */
function readRecords(file: string): NotificationRecord[] {
  if (!fs.existsSync(file)) return [];
  let text = fs.readFileSync(file, "utf8");
  if (text !== "" && !text.endsWith("\n")) {
    const keep = text.lastIndexOf("\n") + 1;
    fs.truncateSync(file, Buffer.byteLength(text.slice(0, keep)));
    text = text.slice(0, keep);
  }
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line, i) => {
      try {
        return JSON.parse(line) as NotificationRecord;
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not a notification record (${(e as Error).message}); move the file away to start afresh`);
      }
    });
}

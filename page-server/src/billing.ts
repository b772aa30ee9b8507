// What this database costs on Cloudflare, in the units Cloudflare bills a SQLite-backed Durable
// Object by (docs/cost.md): requests (HTTP and WebSocket messages), rows read and rows written
// (every sql.exec cursor reports them), stored bytes and awake (wall-clock) time.
//
// Counting must cost little of what it counts. Counters accumulate in memory and are added to the
// meta row by the `UPDATE meta` every commit makes anyway, in its transaction (no extra row). An
// object that only serves reads would lose them when it is evicted after going idle, so the first
// event of an awake stretch arms an alarm (flushDueMs later) that adds them to the meta row and,
// if nothing happened for a while, closes the stretch: at most one alarm (a billed request) and one
// row written per flushDueMs of activity. Stored bytes are the SQLite file size the platform
// reports (`sql.databaseSize`, which is what storage is billed by): nothing to keep up to date.

/** An idle object stays in memory (and billed) about this long after its last event. */
export const IDLE_TAIL_MS = 10_000;

interface Units {
  /** HTTP requests and alarm invocations (Cloudflare bills both as requests). */
  requests: number;
  /** Of the requests, alarm invocations (GC, stage expiry, the counters' own flush). */
  alarms: number;
  webSocketMessages: number;
  rowsRead: number;
  rowsWritten: number;
  awakeMs: number;
}

const zero = (): Units => ({ requests: 0, alarms: 0, webSocketMessages: 0, rowsRead: 0, rowsWritten: 0, awakeMs: 0 });

export class Billing {
  /** Units not yet added to the meta row. */
  private delta: Units = zero();
  /** Cursors whose rows were not added yet (their counts grow while they are consumed). */
  private open: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  private awakeFrom = 0;
  private lastEvent = 0;
  /** Where the last closed stretch's tail ends: a new event before it continues that time. */
  private closedUntil = 0;

  private counted: SqlStorage;

  constructor(private raw: SqlStorage) {
    this.counted = this.wrap();
  }

  /** The SqlStorage everything in this object uses: every exec is counted, the rest passes through. */
  get sql(): SqlStorage {
    return this.counted;
  }

  private wrap(): SqlStorage {
    const raw = this.raw;
    const exec = (query: string, ...bindings: unknown[]) => {
      const c = raw.exec(query, ...bindings);
      this.open.push(c);
      return c;
    };
    return new Proxy(raw, {
      get: (t, p) => (p === "exec" ? exec : Reflect.get(t, p, t)),
    }) as SqlStorage;
  }

  /** Whether the flush alarm of the current stretch is armed (the caller arms it: flushDueAt). */
  flushArmed = false;

  /**
   * One HTTP request, or one WebSocket message, arrived. Answers whether the flush alarm still
   * has to be armed for the current awake stretch.
   */
  event(kind: "request" | "webSocketMessage", now = Date.now()): boolean {
    this.count(kind);
    // Awake from the first event after idle to the last event plus the idle tail.
    if (this.awakeFrom === 0 || now - this.lastEvent > IDLE_TAIL_MS) {
      if (this.awakeFrom !== 0) this.delta.awakeMs += this.lastEvent + IDLE_TAIL_MS - this.awakeFrom;
      // An event inside the tail of a stretch the flush already closed (and counted to its end)
      // continues from that end, so no millisecond is counted twice.
      this.awakeFrom = Math.max(now, Math.min(this.closedUntil, now + IDLE_TAIL_MS));
    }
    this.lastEvent = Math.max(now, this.lastEvent);
    return !this.flushArmed;
  }

  private count(kind: "request" | "webSocketMessage"): void {
    this.settle();
    if (kind === "request") this.delta.requests++;
    else this.delta.webSocketMessages++;
  }

  /** An alarm ran: a billed request that does not extend the awake time (it runs inside the idle tail). */
  alarm(): void {
    this.count("request");
    this.delta.alarms++;
  }

  /** When the flush alarm of the current stretch is due: `flushDueMs` after its last event. */
  flushDueAt(flushDueMs: number): number {
    return this.lastEvent + flushDueMs;
  }

  /**
   * At the flush alarm: if nothing happened for `flushDueMs`, closes the stretch (counted to the end
   * of its idle tail, which eviction cannot take back once persisted) and adds what accumulated to
   * the meta row. Answers when to try again if the object is still busy, else null.
   */
  flush(flushDueMs: number, now = Date.now()): number | null {
    if (this.awakeFrom !== 0 && now - this.lastEvent < flushDueMs) {
      return this.lastEvent + flushDueMs; // still busy: a busy object is not evicted, commits persist its counts
    }
    this.flushArmed = false;
    if (this.awakeFrom !== 0) {
      this.closedUntil = this.lastEvent + IDLE_TAIL_MS;
      this.delta.awakeMs += this.closedUntil - this.awakeFrom;
      this.awakeFrom = 0;
    }
    const b = this.take();
    if (b.bindings.some((v) => v !== 0)) this.counted.exec(`UPDATE meta SET ${b.set} WHERE id = 1`, ...b.bindings);
    return null;
  }

  /** Add the rows of cursors created so far (call when they are consumed: at the next event or report). */
  private settle(): void {
    for (const c of this.open) {
      this.delta.rowsRead += c.rowsRead;
      this.delta.rowsWritten += c.rowsWritten;
    }
    this.open = [];
  }

  /**
   * Inside a commit's transaction: what accumulated, as a SET clause for the commit's own
   * `UPDATE meta` (so counting adds no row written) and its bindings.
   */
  take(): { set: string; bindings: number[] } {
    this.settle();
    const d = this.delta;
    this.delta = zero();
    return {
      set: "b_requests = b_requests + ?, b_ws_messages = b_ws_messages + ?, b_rows_read = b_rows_read + ?, b_rows_written = b_rows_written + ?, b_awake_ms = b_awake_ms + ?, b_alarms = b_alarms + ?",
      bindings: [d.requests, d.webSocketMessages, d.rowsRead, d.rowsWritten, d.awakeMs, d.alarms],
    };
  }

  /** The database was deleted: its counters go with it. */
  reset(): void {
    this.flushArmed = false;
    this.delta = zero();
    this.open = [];
  }

  /**
   * Stored bytes split (issue 15): old page images kept for the history window and forks, pages
   * of unpublished stages, and the rest (current pages and bookkeeping). Reads every history and
   * staged row, so only on request (`GET /v1/databases/{db}?storage=split`); the rows are billed.
   */
  storageSplit(): Record<string, number> {
    const sum = (q: string) => (this.counted.exec(q).toArray()[0]?.b as number | null) ?? 0;
    const history = sum("SELECT SUM(LENGTH(COALESCE(p.data, b.data))) AS b FROM pages p LEFT JOIN blobs b ON b.id = p.blob_id WHERE p.superseded_by IS NOT NULL");
    const stages = sum("SELECT SUM(LENGTH(b.data)) AS b FROM stage_refs r JOIN blobs b ON b.id = r.blob_id");
    const total = this.raw.databaseSize;
    return { storedHistoryBytes: history, storedStageBytes: stages, storedPageBytes: Math.max(0, total - history - stages) };
  }

  /** The `billing` object of the info: persisted + in memory + the current awake stretch. */
  report(now = Date.now()): Record<string, number> {
    this.settle();
    const row = this.counted.exec("SELECT b_requests, b_ws_messages, b_rows_read, b_rows_written, b_awake_ms, b_alarms FROM meta WHERE id = 1").toArray()[0] ?? {};
    const n = (v: unknown) => (typeof v === "number" ? v : 0);
    const current = this.awakeFrom === 0 ? 0 : Math.max(0, Math.min(now, this.lastEvent + IDLE_TAIL_MS) - this.awakeFrom);
    return {
      requests: n(row.b_requests) + this.delta.requests,
      alarms: n(row.b_alarms) + this.delta.alarms,
      webSocketMessages: n(row.b_ws_messages) + this.delta.webSocketMessages,
      rowsRead: n(row.b_rows_read) + this.delta.rowsRead,
      rowsWritten: n(row.b_rows_written) + this.delta.rowsWritten,
      storedBytes: this.raw.databaseSize,
      awakeMs: n(row.b_awake_ms) + this.delta.awakeMs + current,
    };
  }
}

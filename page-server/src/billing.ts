// What this database costs on Cloudflare, in the units Cloudflare bills a SQLite-backed Durable
// Object by (docs/cost.md): requests (HTTP and WebSocket messages), rows read and rows written
// (every sql.exec cursor reports them), stored bytes and awake (wall-clock) time.
//
// Counting must not cost what it counts: a pure read never writes. So counters accumulate in
// memory and are added to the `billing` row inside the next commit's own transaction (one more
// row written per commit, itself counted); units since the last commit are lost if the object is
// evicted before the next one. Stored bytes are the SQLite file size the platform reports
// (`sql.databaseSize`, which is what storage is billed by): nothing to keep up to date.

/** An idle object stays in memory (and billed) about this long after its last event. */
export const IDLE_TAIL_MS = 10_000;

interface Units {
  requests: number;
  webSocketMessages: number;
  rowsRead: number;
  rowsWritten: number;
  awakeMs: number;
}

const zero = (): Units => ({ requests: 0, webSocketMessages: 0, rowsRead: 0, rowsWritten: 0, awakeMs: 0 });

export class Billing {
  /** Units not yet persisted. */
  private delta: Units = zero();
  /** Cursors whose rows were not added yet (their counts grow while they are consumed). */
  private open: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  private awakeFrom = 0;
  private lastEvent = 0;

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

  /** One HTTP request, or one WebSocket message, arrived. */
  event(kind: "request" | "webSocketMessage", now = Date.now()): void {
    this.settle();
    if (kind === "request") this.delta.requests++;
    else this.delta.webSocketMessages++;
    // Awake from the first event after idle to the last event plus the idle tail.
    if (this.awakeFrom === 0 || now - this.lastEvent > IDLE_TAIL_MS) {
      if (this.awakeFrom !== 0) this.delta.awakeMs += this.lastEvent + IDLE_TAIL_MS - this.awakeFrom;
      this.awakeFrom = now;
    }
    this.lastEvent = now;
  }

  /** Add the rows of cursors created so far (call when they are consumed: at the next event or report). */
  private settle(): void {
    for (const c of this.open) {
      this.delta.rowsRead += c.rowsRead;
      this.delta.rowsWritten += c.rowsWritten;
    }
    this.open = [];
  }

  /** Inside a commit's transaction: move what accumulated into the billing row. */
  persist(): void {
    this.settle();
    const d = this.delta;
    this.delta = zero();
    this.counted.exec(
      `INSERT INTO billing(id, requests, ws_messages, rows_read, rows_written, awake_ms) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET requests = requests + excluded.requests, ws_messages = ws_messages + excluded.ws_messages,
         rows_read = rows_read + excluded.rows_read, rows_written = rows_written + excluded.rows_written, awake_ms = awake_ms + excluded.awake_ms`,
      d.requests, d.webSocketMessages, d.rowsRead, d.rowsWritten, d.awakeMs,
    );
    // The upsert's own row is counted with the next period (its cursor is in `open`).
  }

  /** The database was deleted: its counters go with it. */
  reset(): void {
    this.delta = zero();
    this.open = [];
  }

  /** The `billing` object of the info: persisted + in memory + the current awake stretch. */
  report(now = Date.now()): Record<string, number> {
    this.settle();
    const row = this.counted.exec("SELECT requests, ws_messages, rows_read, rows_written, awake_ms FROM billing WHERE id = 1").toArray()[0] ?? {};
    const n = (v: unknown) => (typeof v === "number" ? v : 0);
    const current = this.awakeFrom === 0 ? 0 : Math.min(now, this.lastEvent + IDLE_TAIL_MS) - this.awakeFrom;
    return {
      requests: n(row.requests) + this.delta.requests,
      webSocketMessages: n(row.ws_messages) + this.delta.webSocketMessages,
      rowsRead: n(row.rows_read) + this.delta.rowsRead,
      rowsWritten: n(row.rows_written) + this.delta.rowsWritten,
      storedBytes: this.raw.databaseSize,
      awakeMs: n(row.awake_ms) + this.delta.awakeMs + current,
    };
  }
}

// The versioned page store (MVCC): the database's meta row, which image of a page a version
// sees, and how long versions stay readable. Writing a version is commit.ts; deleting the ones
// nobody can read any more is gc.ts.
import { Billing } from "./billing";
import type { Config } from "./config";
import { pageCrc } from "./crc32c";
import { HttpError } from "./http";
import { PAGE_BLOB_JOIN, PAGE_BYTES, ensureSchema } from "./schema";
import { VersionFacts } from "./versionfacts";

export interface Meta {
  name: string;
  page_size: number;
  page_count: number;
  version: number;
  gc_floor: number;
  created_ms: number;
  /** A fork's origin database, null otherwise (lineage.ts). */
  origin_name: string | null;
  /** The origin's version the fork was made from; pages the fork never wrote are read there. */
  origin_version: number | null;
  /** The origin's page count at that version. */
  origin_page_count: number | null;
}

/** Where a fork reads the pages it has not written. */
export interface Origin {
  name: string;
  version: number;
  pageCount: number;
}

export function originOf(m: Meta): Origin | null {
  return m.origin_name === null || m.origin_name === undefined
    ? null
    : { name: m.origin_name, version: m.origin_version!, pageCount: m.origin_page_count! };
}

const NOT_FOUND = "Database not found: create it first with PUT /v1/databases/{db} (or import a file).";

export function toBytes(v: unknown): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new Error("unexpected blob type");
}

export function checkPageSizeChange(m: Meta, pageSize: number): void {
  if (pageSize !== m.page_size && m.page_count !== 0) {
    throw new HttpError(400, "page_size_mismatch", `Page size ${pageSize} does not match the database's page size ${m.page_size}; a page size can only change while the database has no pages (delete it first to change it).`, {
      pageSize: m.page_size,
    });
  }
}

export class PageStore {
  readonly storage: DurableObjectStorage;
  readonly sql: SqlStorage;
  readonly config: Config;
  /** Billed units of this database (billing.ts); `sql` counts through it. */
  readonly billing: Billing;
  private schemaReady = false;
  private lastCreated = 0;
  /** Versions pinned by running exports (version -> count); GC keeps them. */
  private pinned = new Map<number, number>();
  private zeroCrcCache = new Map<string, number>();
  private versionFacts = new VersionFacts();

  constructor(storage: DurableObjectStorage, config: Config) {
    this.storage = storage;
    this.billing = new Billing(storage.sql);
    this.sql = this.billing.sql;
    this.config = config;
  }

  /**
   * The meta row as of the last transaction: this object is its only writer, and every write of
   * the fields kept here runs in transaction(), which forgets it. So a version check or a read
   * reads no storage row for it (rows read are billed).
   */
  private cachedMeta: Meta | null = null;
  private transactions = 0;

  transaction<T>(fn: () => T): T {
    this.cachedMeta = null;
    this.transactions++;
    try {
      return this.storage.transactionSync(fn);
    } finally {
      this.transactions--;
      this.cachedMeta = null;
    }
  }

  exists(): boolean {
    if (this.cachedMeta !== null) return true;
    if (this.schemaReady) return this.sql.exec("SELECT 1 FROM meta WHERE id = 1").toArray().length > 0;
    const t = this.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").toArray();
    if (t.length === 0) return false;
    this.transaction(() => this.ensureSchema());
    return this.sql.exec("SELECT 1 FROM meta WHERE id = 1").toArray().length > 0;
  }

  private ensureSchema(): void {
    if (!this.schemaReady) {
      ensureSchema(this.sql);
      this.schemaReady = true;
    }
  }

  meta(): Meta {
    if (this.cachedMeta === null) {
      const rows = this.sql.exec("SELECT name, page_size, page_count, version, gc_floor, created_ms, origin_name, origin_version, origin_page_count FROM meta WHERE id = 1").toArray();
      if (rows.length === 0) throw new HttpError(404, "not_found", NOT_FOUND);
      const m = rows[0] as unknown as Meta;
      // Inside a transaction the row may still change (and roll back): remember it only outside.
      if (this.transactions === 0) this.cachedMeta = m;
      return { ...m };
    }
    return { ...this.cachedMeta };
  }

  requireDb(): Meta {
    if (!this.exists()) throw new HttpError(404, "not_found", NOT_FOUND);
    return this.meta();
  }

  /**
   * A new, empty database; or, with `fork`, one whose history starts at version `fork.version`
   * with the origin's content at that version (read from the origin until written here).
   */
  create(name: string, pageSize: number, fork: (Origin & { pageSize: number }) | null = null): void {
    this.transaction(() => {
      this.ensureSchema();
      // created_ms is the incarnation: a database deleted and created again within the same
      // millisecond must still get a new one.
      const now = Math.max(Date.now(), this.lastCreated + 1);
      this.lastCreated = now;
      this.sql.exec(
        "INSERT INTO meta(id, name, page_size, page_count, version, gc_floor, created_ms) VALUES (1, ?, ?, 0, 0, 0, ?)",
        name,
        pageSize,
        now,
      );
      if (fork) {
        this.sql.exec(
          "UPDATE meta SET page_size = ?, page_count = ?, version = ?, gc_floor = ?, origin_name = ?, origin_version = ?, origin_page_count = ? WHERE id = 1",
          fork.pageSize,
          fork.pageCount,
          fork.version,
          fork.version,
          fork.name,
          fork.version,
          fork.pageCount,
        );
      }
      this.sql.exec("INSERT INTO commits(version, page_count, pages, ts) VALUES (?, ?, 0, ?)", fork?.version ?? 0, fork?.pageCount ?? 0, now);
    });
  }

  async destroy(): Promise<void> {
    this.cachedMeta = null;
    await this.storage.deleteAll();
    this.schemaReady = false;
    this.pinned.clear();
    this.billing.reset();
  }

  /** Oldest version that reads may still ask for. */
  oldestReadable(m: Meta, now: number): number {
    const a = Math.max(0, m.version - (this.config.retainVersions - 1));
    // The same as MIN(version) ... WHERE ts > ?, but walking the primary key from the oldest
    // commit stops at the first match: it reads the few commits older than the retention that
    // GC has not dropped yet, not every commit of the last retainMs (rows read are billed).
    const row = this.sql.exec("SELECT version AS v FROM commits WHERE ts > ? ORDER BY version LIMIT 1", now - this.config.retainMs).toArray()[0];
    const v = row?.v as number | null;
    const b = v === null || v === undefined ? m.version : Math.max(0, v - 1);
    return Math.max(Math.min(a, b), m.gc_floor);
  }

  /** The oldest version a running export or restore reads, or `current` if none. */
  oldestPinned(current: number): number {
    let floor = current;
    for (const v of this.pinned.keys()) floor = Math.min(floor, v);
    return floor;
  }

  /** Bytes this object stores (the SQLite file size the platform bills). */
  storedBytes(): number {
    return this.storage.sql.databaseSize;
  }

  /** Keeps version `v` readable until the returned release is called (once or more). */
  pin(v: number): () => void {
    this.pinned.set(v, (this.pinned.get(v) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const c = (this.pinned.get(v) ?? 1) - 1;
      if (c <= 0) this.pinned.delete(v);
      else this.pinned.set(v, c);
    };
  }

  /** The history window in words, for every answer that refuses a version outside it. */
  windowText(): string {
    const c = this.config;
    return `history is kept for ${describeMs(c.retainMs)} (at least the last ${c.retainVersions} versions, at most ${describeBytes(c.retainBytes)} of old page images; server settings DOSQLITE_RETAIN_MS / DOSQLITE_RETAIN_BYTES, locally dosqlite serve --retention / --retention-bytes)`;
  }

  /** The window as JSON (history answers and 410 refusals). */
  window(m: Meta, now: number): Record<string, unknown> {
    const oldest = this.oldestReadable(m, now);
    const row = this.sql.exec("SELECT ts FROM commits WHERE version = ?", oldest).toArray()[0];
    return {
      retentionMs: this.config.retainMs,
      retentionVersions: this.config.retainVersions,
      retentionBytes: this.config.retainBytes,
      oldestReadableVersion: oldest,
      oldestReadableTime: row ? new Date(row.ts as number).toISOString() : null,
    };
  }

  /** Versions forks were made from (lineage.ts): kept readable for them while they exist. */
  forkPins(): number[] {
    return [...this.sql.exec("SELECT DISTINCT version FROM forks ORDER BY version").raw()].map((r: SqlStorageValue[]) => r[0] as number);
  }

  /** Validate a read version: 400 bad_version if newer than current, 410 if older than retention. Returns its page count. */
  checkReadVersion(m: Meta, v: number): number {
    if (v > m.version) {
      throw new HttpError(400, "bad_version", `Version ${v} does not exist yet (current version is ${m.version}); ask /changes or the info for the current version.`, {
        version: m.version,
      });
    }
    const oldest = this.oldestReadable(m, Date.now());
    if (v < oldest && !this.pinned.has(v)) {
      throw new HttpError(410, "snapshot_expired", `Version ${v} is no longer kept (oldest readable is ${oldest}; ${this.windowText()}); retry the transaction at the current version ${m.version}.`, {
        version: m.version,
        ...this.window(m, Date.now()),
      });
    }
    if (v === m.version) return m.page_count;
    const row = this.sql.exec("SELECT page_count FROM commits WHERE version = ?", v).toArray()[0];
    if (!row) {
      throw new HttpError(410, "snapshot_expired", `Version ${v} is no longer kept; retry the transaction at the current version ${m.version}.`, { version: m.version });
    }
    return row.page_count as number;
  }

  private zeroCrc(pgno: number, pageSize: number): number {
    const k = `${pgno}/${pageSize}`;
    let c = this.zeroCrcCache.get(k);
    if (c === undefined) {
      c = pageCrc(pgno, new Uint8Array(pageSize));
      if (this.zeroCrcCache.size > 1000) this.zeroCrcCache.clear();
      this.zeroCrcCache.set(k, c);
    }
    return c;
  }

  /** The newest image of page `pgno` at a version <= v (zeros if none). Not for a fork's unwritten pages: lineage.ts. */
  readPage(pgno: number, v: number, pageSize: number): { data: Uint8Array | null; crc: number } {
    return this.readLocal(pgno, v, pageSize) ?? { data: null, crc: this.zeroCrc(pgno, pageSize) };
  }

  /** As readPage, but undefined when no version <= v wrote the page here (a fork then reads its origin). */
  readLocal(pgno: number, v: number, pageSize: number): { data: Uint8Array | null; crc: number } | undefined {
    const row = this.sql
      .exec(
        `SELECT ${PAGE_BYTES} AS data, p.crc AS crc FROM pages p ${PAGE_BLOB_JOIN}
         WHERE p.pgno = ? AND p.version <= ? ORDER BY p.version DESC LIMIT 1`,
        pgno,
        v,
      )
      .toArray()[0];
    if (!row) return undefined;
    const data = toBytes(row.data);
    // Pages the database grew by without writing them are zeros (no data, no checksum).
    if (!data && row.crc == null) return { data: null, crc: this.zeroCrc(pgno, pageSize) };
    if (data && data.length === pageSize) return { data, crc: row.crc as number };
    // Damaged at rest: serve what is stored with the checksum stored at commit, so the client's
    // end-to-end check refuses it instead of this server papering over it.
    const served = new Uint8Array(pageSize);
    if (data) served.set(data.subarray(0, pageSize));
    return { data: served, crc: row.crc as number };
  }

  /** The b-tree type byte recorded for page pgno's image at version v; undefined when no version <= v wrote it here. */
  kindAt(pgno: number, v: number): number | undefined {
    const row = this.sql.exec("SELECT kind FROM pages WHERE pgno = ? AND version <= ? ORDER BY version DESC LIMIT 1", pgno, v).toArray()[0];
    return row ? (row.kind as number) : undefined;
  }

  /** Interior b-tree pages (besides page 1) of version v, by page number: rows pgno, data, crc. */
  interiorPages(pageCount: number, v: number): SqlStorageCursor<Record<string, SqlStorageValue>> {
    return this.sql.exec(
      `SELECT p.pgno AS pgno, ${PAGE_BYTES} AS data, p.crc AS crc FROM pages p ${PAGE_BLOB_JOIN}
       WHERE p.kind IN (2, 5) AND p.pgno > 1 AND p.pgno <= ? AND p.version <= ?
         AND NOT EXISTS (SELECT 1 FROM pages q WHERE q.pgno = p.pgno AND q.version > p.version AND q.version <= ?)
       ORDER BY p.pgno`,
      pageCount,
      v,
      v,
    );
  }

  /** The images pages first..last have at version v: rows pgno, data (zero pages come back without bytes). */
  pagesBetween(first: number, last: number, v: number): SqlStorageCursor<Record<string, SqlStorageValue>> {
    return this.sql.exec(
      `SELECT p.pgno AS pgno, ${PAGE_BYTES} AS data FROM pages p ${PAGE_BLOB_JOIN}
       WHERE p.pgno BETWEEN ? AND ?
         AND p.version = (SELECT MAX(q.version) FROM pages q WHERE q.pgno = p.pgno AND q.version <= ?)`,
      first,
      last,
      v,
    );
  }

  /** Distinct page numbers written after version `since` (up to `upTo`), ascending, at most `limit`. */
  changedSince(since: number, limit: number, upTo = Number.MAX_SAFE_INTEGER): number[] {
    const rows = [...this.sql.exec("SELECT DISTINCT pgno FROM pages WHERE version > ? AND version <= ? ORDER BY pgno LIMIT ?", since, upTo, limit).raw()];
    return rows.map((r: SqlStorageValue[]) => r[0] as number);
  }

  /** Distinct page numbers any version <= v wrote here. */
  pagesWrittenUpTo(v: number): number[] {
    return [...this.sql.exec("SELECT DISTINCT pgno FROM pages WHERE version <= ?", v).raw()].map((r: SqlStorageValue[]) => r[0] as number);
  }

  /** Page numbers committed version `v` wrote, ascending (shared: do not change it). */
  writtenAt(v: number): number[] {
    const load = () => [...this.sql.exec("SELECT pgno FROM pages WHERE version = ? ORDER BY pgno", v).raw()].map((r: SqlStorageValue[]) => r[0] as number);
    // inside a transaction the version may still be rolled back: nothing is remembered there
    return this.transactions === 0 ? this.versionFacts.pages(this.meta().created_ms, v, load) : load();
  }

  /** `compute()` for committed version `v`, remembered: whether it left page 1 the same but for its counters. */
  pageOneSame(v: number, compute: () => boolean): boolean {
    return this.transactions === 0 ? this.versionFacts.pageOneSame(this.meta().created_ms, v, compute) : compute();
  }
}

function describeMs(ms: number): string {
  const units: [number, string][] = [[86_400_000, "day"], [3_600_000, "hour"], [60_000, "minute"], [1000, "second"]];
  for (const [u, name] of units) if (ms >= u && ms % u === 0) return `${ms / u} ${name}${ms / u === 1 ? "" : "s"}`;
  return `${ms} ms`;
}

function describeBytes(b: number): string {
  for (const [u, name] of [[1 << 30, "GiB"], [1 << 20, "MiB"], [1 << 10, "KiB"]] as [number, string][]) if (b >= u && b % u === 0) return `${b / u} ${name}`;
  return `${b} bytes`;
}

// One Durable Object per database. Pages are versioned rows in the DO's SQLite storage (MVCC).
import { DurableObject } from "cloudflare:workers";
import { pageCrc } from "./crc32c";
import { applyPatches } from "./patches";
import {
  HttpError,
  MAX_BODY,
  MAX_CHANGED,
  MAX_PGNO,
  MAX_READ_BYTES,
  MAX_READ_PAGES,
  MiB,
  KEY_RE,
  checkPageSize,
  errorResponse,
  isValidPageSize,
  json,
  matchRoute,
  parseUint,
  readBody,
  readJson,
} from "./http";

export interface Env {
  DOSQLITE_TOKEN?: string;
  /** Keep superseded versions at least this long (ms). Default 600000 (10 min). */
  DOSQLITE_RETAIN_MS?: string;
  /** Keep at least this many latest versions readable. Default 16. */
  DOSQLITE_RETAIN_VERSIONS?: string;
  /** Remember at least this many latest idempotency keys. Default 1000. */
  DOSQLITE_IDEM_KEYS?: string;
  /** Remember idempotency keys at least this long (ms). Default 86400000 (24 h). */
  DOSQLITE_IDEM_MS?: string;
  /** An unpublished stage expires this long after its last upload (ms). Default 900000 (15 min). */
  DOSQLITE_STAGE_TTL_MS?: string;
  /** Local only: a random id per serve.mjs start, echoed on 401 answers for the readiness probe. */
  DOSQLITE_INSTANCE?: string;
  DATABASE: DurableObjectNamespace;
  CATALOG: DurableObjectNamespace;
}

interface Meta {
  name: string;
  page_size: number;
  page_count: number;
  version: number;
  gc_floor: number;
  created_ms: number;
}

interface InPage {
  pgno: number;
  data: Uint8Array;
  crc: number;
  kind: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(
  id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, page_size INTEGER NOT NULL,
  page_count INTEGER NOT NULL, version INTEGER NOT NULL, gc_floor INTEGER NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pages(
  pgno INTEGER NOT NULL, version INTEGER NOT NULL, data BLOB, crc INTEGER, kind INTEGER NOT NULL,
  superseded_by INTEGER, blob_id INTEGER, PRIMARY KEY (pgno, version));
CREATE INDEX IF NOT EXISTS pages_by_version ON pages(version, pgno);
CREATE INDEX IF NOT EXISTS pages_superseded ON pages(superseded_by) WHERE superseded_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS pages_interior ON pages(pgno, version) WHERE kind IN (2, 5);
CREATE TABLE IF NOT EXISTS blobs(id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS commits(
  version INTEGER PRIMARY KEY, page_count INTEGER NOT NULL, pages INTEGER NOT NULL, ts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idem(
  key TEXT PRIMARY KEY, base INTEGER NOT NULL, version INTEGER NOT NULL, answer TEXT NOT NULL, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS idem_by_version ON idem(version);
CREATE TABLE IF NOT EXISTS stages(
  stage_id TEXT PRIMARY KEY, page_size INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stage_refs(
  stage_id TEXT NOT NULL, pgno INTEGER NOT NULL, blob_id INTEGER NOT NULL, crc INTEGER NOT NULL, kind INTEGER NOT NULL,
  PRIMARY KEY (stage_id, pgno));
`;

// Page bytes live either inline in pages.data (body pages, imports, rows written before blobs
// existed) or in blobs, referenced by pages.blob_id (published stages) or stage_refs.blob_id
// (unpublished stages). A blob has exactly one owner row, so publishing a stage moves a
// reference instead of copying bytes, and whoever deletes the owner row deletes the blob.
// A pages row with neither data nor blob_id is a zero page (grown, never written).
const PAGE_BYTES = "COALESCE(p.data, b.data)";
const PAGE_BLOB_JOIN = "LEFT JOIN blobs b ON b.id = p.blob_id";

/** One GC batch of superseded page images; ordered by the index so both statements using it pick the same rows. */
const GC_BATCH = "SELECT rowid FROM pages WHERE superseded_by <= ? ORDER BY superseded_by, rowid LIMIT 20000";

function envInt(v: string | undefined, dflt: number): number {
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : dflt;
}

function pageKind(pgno: number, data: Uint8Array): number {
  return pgno === 1 ? data[100] : data[0];
}

function toBytes(v: unknown): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new Error("unexpected blob type");
}

export class DatabaseDO extends DurableObject<Env> {
  private sql: SqlStorage;
  private schemaReady = false;
  private retainMs: number;
  private retainVersions: number;
  private idemKeys: number;
  private idemMs: number;
  private stageTtlMs: number;
  /** Versions pinned by running exports (version -> count); GC keeps them. */
  private pinned = new Map<number, number>();
  private zeroCrcCache = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.retainMs = envInt(env.DOSQLITE_RETAIN_MS, 600_000);
    this.retainVersions = Math.max(1, envInt(env.DOSQLITE_RETAIN_VERSIONS, 16));
    this.idemKeys = Math.max(1, envInt(env.DOSQLITE_IDEM_KEYS, 1000));
    this.idemMs = envInt(env.DOSQLITE_IDEM_MS, 86_400_000);
    this.stageTtlMs = envInt(env.DOSQLITE_STAGE_TTL_MS, 15 * 60 * 1000);
  }

  // ---------- storage helpers ----------

  private exists(): boolean {
    if (this.schemaReady) return this.sql.exec("SELECT 1 FROM meta WHERE id = 1").toArray().length > 0;
    const t = this.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").toArray();
    if (t.length === 0) return false;
    this.ctx.storage.transactionSync(() => this.ensureSchema());
    return this.sql.exec("SELECT 1 FROM meta WHERE id = 1").toArray().length > 0;
  }

  private ensureSchema(): void {
    if (!this.schemaReady) {
      this.sql.exec(SCHEMA);
      this.upgradeSchema();
      this.schemaReady = true;
    }
  }

  /** Bring a Durable Object created by an earlier version of this code to the current schema (idempotent). */
  private upgradeSchema(): void {
    const cols = this.sql.exec("PRAGMA table_info(pages)").toArray();
    if (!cols.some((c) => c.name === "blob_id")) this.sql.exec("ALTER TABLE pages ADD COLUMN blob_id INTEGER");
    // Replaced by the partial indexes pages_superseded and pages_interior: current pages (the
    // majority) and leaf pages do not need an entry.
    this.sql.exec("DROP INDEX IF EXISTS pages_by_superseded");
    this.sql.exec("DROP INDEX IF EXISTS pages_by_kind");
    const legacy = this.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'stage_pages'").toArray();
    if (legacy.length > 0) {
      // Stages uploaded before blobs existed: move their bytes into blobs once (stage_id, pgno is
      // unique, so both statements number the rows alike), so a commit naming them still works.
      const first = this.sql.exec("SELECT COALESCE(MAX(id), 0) AS m FROM blobs").one().m as number;
      const order = "ROW_NUMBER() OVER (ORDER BY stage_id, pgno)";
      this.sql.exec(`INSERT INTO blobs(id, data) SELECT ? + ${order}, data FROM stage_pages`, first);
      this.sql.exec(`INSERT INTO stage_refs(stage_id, pgno, blob_id, crc, kind) SELECT stage_id, pgno, ? + ${order}, crc, kind FROM stage_pages`, first);
      this.sql.exec("DROP TABLE stage_pages");
    }
  }

  /** Forget a stage and the bytes of its pages. */
  private dropStage(stageId: string): void {
    this.sql.exec("DELETE FROM blobs WHERE id IN (SELECT blob_id FROM stage_refs WHERE stage_id = ?)", stageId);
    this.sql.exec("DELETE FROM stage_refs WHERE stage_id = ?", stageId);
    this.sql.exec("DELETE FROM stages WHERE stage_id = ?", stageId);
  }

  private meta(): Meta {
    const rows = this.sql.exec("SELECT name, page_size, page_count, version, gc_floor, created_ms FROM meta WHERE id = 1").toArray();
    if (rows.length === 0) {
      throw new HttpError(404, "not_found", "Database not found: create it first with PUT /v1/databases/{db} (or import a file).");
    }
    return rows[0] as unknown as Meta;
  }

  private requireDb(): Meta {
    if (!this.exists()) {
      throw new HttpError(404, "not_found", "Database not found: create it first with PUT /v1/databases/{db} (or import a file).");
    }
    return this.meta();
  }

  /** Oldest version that reads may still ask for. */
  private oldestReadable(m: Meta, now: number): number {
    const a = Math.max(0, m.version - (this.retainVersions - 1));
    const row = this.sql.exec("SELECT MIN(version) AS v FROM commits WHERE ts > ?", now - this.retainMs).toArray()[0];
    const v = row?.v as number | null;
    const b = v === null || v === undefined ? m.version : Math.max(0, v - 1);
    return Math.max(Math.min(a, b), m.gc_floor);
  }

  private info(m: Meta): Record<string, unknown> {
    return {
      name: m.name,
      pageSize: m.page_size,
      pageCount: m.page_count,
      version: m.version,
      oldestReadableVersion: this.oldestReadable(m, Date.now()),
      incarnation: String(m.created_ms),
    };
  }

  /** Validate a read version: 400 bad_version if newer than current, 410 if older than retention. */
  private checkReadVersion(m: Meta, v: number): number {
    if (v > m.version) {
      throw new HttpError(400, "bad_version", `Version ${v} does not exist yet (current version is ${m.version}); ask /changes or the info for the current version.`, {
        version: m.version,
      });
    }
    const oldest = this.oldestReadable(m, Date.now());
    if (v < oldest && !this.pinned.has(v)) {
      throw new HttpError(410, "snapshot_expired", `Version ${v} is no longer kept (oldest readable is ${oldest}); retry the transaction at the current version ${m.version}.`, {
        version: m.version,
        oldestReadableVersion: oldest,
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

  /** The newest image of page `pgno` at a version <= v (zeros if none). */
  private readPage(pgno: number, v: number, pageSize: number): { data: Uint8Array | null; crc: number } {
    const row = this.sql
      .exec(
        `SELECT ${PAGE_BYTES} AS data, p.crc AS crc FROM pages p ${PAGE_BLOB_JOIN}
         WHERE p.pgno = ? AND p.version <= ? ORDER BY p.version DESC LIMIT 1`,
        pgno,
        v,
      )
      .toArray()[0];
    const data = row ? toBytes(row.data) : null;
    // Pages the database grew by without writing them are zeros (no data, no checksum).
    if (!data && (row == null || row.crc == null)) return { data: null, crc: this.zeroCrc(pgno, pageSize) };
    if (data && data.length === pageSize) return { data, crc: row!.crc as number };
    // Damaged at rest: serve what is stored with the checksum stored at commit, so the client's
    // end-to-end check refuses it instead of this server papering over it.
    const served = new Uint8Array(pageSize);
    if (data) served.set(data.subarray(0, pageSize));
    return { data: served, crc: row!.crc as number };
  }

  // ---------- request handling ----------

  async fetch(request: Request): Promise<Response> {
    try {
      const url = new URL(request.url);
      const route = matchRoute(request.method, url.pathname);
      const db = route.db!;
      switch (route.name) {
        case "db":
          if (request.method === "GET") return json(200, this.info(this.requireDb()));
          if (request.method === "PUT") return await this.create(db, request);
          return await this.destroy();
        case "changes":
          return this.changes(url);
        case "read":
          return await this.read(request);
        case "interior":
          return this.interior(url);
        case "commit":
          return await this.commit(request, url);
        case "commitStatus":
          return this.commitStatus(route.key!);
        case "stage":
          return await this.stage(request, url, route.stageId!);
        case "export":
          return this.export(url);
        case "import":
          return await this.import(db, request, url);
        default:
          throw new HttpError(404, "unknown_route", "No such endpoint.");
      }
    } catch (e) {
      return errorResponse(e);
    }
  }

  private async create(name: string, request: Request): Promise<Response> {
    const body = await readJson(request, "PUT /v1/databases/{db}");
    let pageSize = 4096;
    if (body !== undefined && body !== null) {
      if (typeof body !== "object" || Array.isArray(body)) {
        throw new HttpError(400, "bad_request", 'The body must be a JSON object like {"pageSize": 4096}.');
      }
      if (body.pageSize !== undefined) {
        if (typeof body.pageSize !== "number") throw new HttpError(400, "invalid_page_size", "pageSize must be a number: a power of two from 512 to 65536.");
        checkPageSize(body.pageSize, "pageSize");
        pageSize = body.pageSize;
      }
    }
    if (this.exists()) return json(200, this.info(this.meta()));
    this.createDb(name, pageSize);
    return json(201, this.info(this.meta()));
  }

  private lastCreated = 0;

  private createDb(name: string, pageSize: number): void {
    this.ctx.storage.transactionSync(() => {
      this.ensureSchema();
      const now = Math.max(Date.now(), this.lastCreated + 1);
      this.lastCreated = now;
      this.sql.exec(
        "INSERT INTO meta(id, name, page_size, page_count, version, gc_floor, created_ms) VALUES (1, ?, ?, 0, 0, 0, ?)",
        name,
        pageSize,
        now,
      );
      this.sql.exec("INSERT INTO commits(version, page_count, pages, ts) VALUES (0, 0, 0, ?)", now);
    });
  }

  private async destroy(): Promise<Response> {
    this.requireDb();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.schemaReady = false;
    this.pinned.clear();
    return new Response(null, { status: 204 });
  }

  private changes(url: URL): Response {
    const m = this.requireDb();
    const since = parseUint(url.searchParams.get("since"), "since", "bad_version");
    if (since === null) throw new HttpError(400, "bad_version", "Missing parameter since=V (the version the client's cache is at).");
    const base = { version: m.version, pageSize: m.page_size, pageCount: m.page_count, incarnation: String(m.created_ms) };
    if (since > m.version) {
      // The client knows a version this database never had (e.g. it was deleted and re-created).
      return json(200, { ...base, changed: [], complete: false });
    }
    if (since === m.version) return json(200, { ...base, changed: [], complete: true });
    const rows = [
      ...this.sql.exec("SELECT DISTINCT pgno FROM pages WHERE version > ? ORDER BY pgno LIMIT ?", since, MAX_CHANGED + 1).raw(),
    ];
    if (rows.length > MAX_CHANGED) return json(200, { ...base, changed: [], complete: false });
    return json(200, { ...base, changed: rows.map((r: SqlStorageValue[]) => r[0] as number), complete: true });
  }

  private frameResponse(frames: Uint8Array, version: number, pageSize: number): Response {
    return new Response(frames, {
      status: 200,
      headers: {
        "Content-Type": "application/octet-stream",
        "X-Dosqlite-Version": String(version),
        "X-Dosqlite-Page-Size": String(pageSize),
      },
    });
  }

  private async read(request: Request): Promise<Response> {
    const body = await readJson(request, "POST /read");
    const m = this.requireDb();
    if (!body || typeof body !== "object" || !Array.isArray(body.pages)) {
      throw new HttpError(400, "bad_request", 'Send a JSON body like {"version": 9, "pages": [1, 2, 3]}.');
    }
    let v: number = m.version;
    if (body.version !== undefined && body.version !== null) {
      if (!Number.isSafeInteger(body.version) || body.version < 0) {
        throw new HttpError(400, "bad_version", `version must be a non-negative integer (current version is ${m.version}).`, { version: m.version });
      }
      v = body.version;
    }
    const pages: unknown[] = body.pages;
    if (pages.length > MAX_READ_PAGES || pages.length * m.page_size > MAX_READ_BYTES) {
      throw new HttpError(413, "too_many_pages", `At most ${MAX_READ_PAGES} pages and 16 MiB of page data per read; split the request.`);
    }
    const count = this.checkReadVersion(m, v);
    for (const p of pages) {
      if (!Number.isInteger(p) || (p as number) < 1 || (p as number) > count) {
        throw new HttpError(400, "page_out_of_range", `Page ${JSON.stringify(p)} is out of range: version ${v} has pages 1..${count}.`, {
          pageCount: count,
        });
      }
    }
    const ps = m.page_size;
    const out = new Uint8Array(pages.length * (8 + ps));
    const dv = new DataView(out.buffer);
    let off = 0;
    for (const p of pages as number[]) {
      const { data, crc } = this.readPage(p, v, ps);
      dv.setUint32(off, p);
      dv.setUint32(off + 4, crc);
      if (data) out.set(data, off + 8);
      off += 8 + ps;
    }
    const res = this.frameResponse(out, v, ps);
    // Lets a client that started reading without a version check prove, with this same answer,
    // that the version it reads is still the newest (no extra round trip for the check).
    res.headers.set("X-Dosqlite-Current-Version", String(m.version));
    res.headers.set("X-Dosqlite-Incarnation", String(m.created_ms));
    return res;
  }

  private interior(url: URL): Response {
    const m = this.requireDb();
    const vq = parseUint(url.searchParams.get("version"), "version", "bad_version");
    const v = vq === null ? m.version : vq;
    let maxBytes = parseUint(url.searchParams.get("maxBytes"), "maxBytes") ?? 16 * MiB;
    maxBytes = Math.min(maxBytes, 16 * MiB);
    const count = this.checkReadVersion(m, v);
    const ps = m.page_size;
    const frameLen = 8 + ps;
    const chunks: Uint8Array[] = [];
    let total = 0;
    const add = (pgno: number, data: Uint8Array | null, crc: number): boolean => {
      if (total + frameLen > maxBytes) return false;
      const f = new Uint8Array(frameLen);
      const dv = new DataView(f.buffer);
      dv.setUint32(0, pgno);
      dv.setUint32(4, crc);
      if (data) f.set(data, 8);
      chunks.push(f);
      total += frameLen;
      return true;
    };
    if (count >= 1) {
      const p1 = this.readPage(1, v, ps);
      if (add(1, p1.data, p1.crc)) {
        const cur = this.sql.exec(
          `SELECT p.pgno AS pgno, ${PAGE_BYTES} AS data, p.crc AS crc FROM pages p ${PAGE_BLOB_JOIN}
           WHERE p.kind IN (2, 5) AND p.pgno > 1 AND p.pgno <= ? AND p.version <= ?
             AND NOT EXISTS (SELECT 1 FROM pages q WHERE q.pgno = p.pgno AND q.version > p.version AND q.version <= ?)
           ORDER BY p.pgno`,
          count,
          v,
          v,
        );
        for (const row of cur) {
          const data = toBytes(row.data);
          if (!data || data.length !== ps) continue;
          if (!add(row.pgno as number, data, row.crc as number)) break;
        }
      }
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    const res = this.frameResponse(out, v, ps);
    // Enough to open the database with this one request (the client's cold start).
    res.headers.set("X-Dosqlite-Page-Count", String(count));
    res.headers.set("X-Dosqlite-Incarnation", String(m.created_ms));
    return res;
  }

  private commitStatus(key: string): Response {
    this.requireDb();
    const row = this.sql.exec("SELECT answer FROM idem WHERE key = ?", key).toArray()[0];
    if (!row) {
      throw new HttpError(404, "unknown_key", `No commit with idempotency key ${key} was applied (or it is older than the last 1,000 keys and 24 h). If you sent it, it did not happen: retry the transaction.`);
    }
    return new Response(row.answer as string, { status: 200, headers: { "Content-Type": "application/json" } });
  }

  /** Parse and verify page frames. Throws 400 on any bad frame; nothing is written. */
  private parseFrames(body: Uint8Array, pageSize: number, maxPgno: number): Map<number, InPage> {
    const frameLen = 8 + pageSize;
    if (body.length % frameLen !== 0) {
      throw new HttpError(400, "bad_frame", `Body length ${body.length} is not a multiple of 8 + pageSize (${frameLen}); send whole frames: u32 pageNo, u32 crc, ${pageSize} bytes.`);
    }
    const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const pages = new Map<number, InPage>();
    for (let off = 0; off < body.length; off += frameLen) {
      const pgno = dv.getUint32(off);
      const crc = dv.getUint32(off + 4);
      if (pgno < 1 || pgno > maxPgno) {
        throw new HttpError(400, "page_out_of_range", `Page ${pgno} is out of range: pages must be 1..${maxPgno} (the pageCount of this commit).`);
      }
      const data = body.subarray(off + 8, off + frameLen);
      const actual = pageCrc(pgno, data);
      if (actual !== crc) {
        throw new HttpError(400, "bad_checksum", `CRC-32C mismatch on page ${pgno} (sent ${crc}, computed ${actual}); the page was corrupted in transit or computed wrongly. Nothing was written; resend.`);
      }
      pages.set(pgno, { pgno, data, crc, kind: pageKind(pgno, data) });
    }
    return pages;
  }

  /** Checks the CRC of each decoded page; the last frame of a page number wins. */
  private verifyFrames(frames: { pgno: number; data: Uint8Array; crc: number }[]): Map<number, InPage> {
    const pages = new Map<number, InPage>();
    for (const { pgno, data, crc } of frames) {
      const actual = pageCrc(pgno, data);
      if (actual !== crc) {
        throw new HttpError(400, "bad_checksum", `CRC-32C mismatch on page ${pgno} (sent ${crc}, computed ${actual}); the page was corrupted in transit, computed wrongly, or patched against a different image. Nothing was written; resend.`);
      }
      pages.set(pgno, { pgno, data, crc, kind: pageKind(pgno, data) });
    }
    return pages;
  }

  private replay(key: string, base: number): Response | null {
    const row = this.sql.exec("SELECT base, answer FROM idem WHERE key = ?", key).toArray()[0];
    if (!row) return null;
    if ((row.base as number) !== base) {
      throw new HttpError(422, "key_reused", `Idempotency key ${key} was already used for a commit based on version ${row.base}; use a new key for a new commit.`);
    }
    return new Response(row.answer as string, {
      status: 200,
      headers: { "Content-Type": "application/json", "X-Dosqlite-Replayed": "true" },
    });
  }

  private idemKey(request: Request, required: boolean): string | null {
    const key = request.headers.get("Idempotency-Key");
    if (key === null || key === "") {
      if (!required) return null;
      throw new HttpError(400, "bad_idempotency_key", "Missing Idempotency-Key header: send a fresh random key (1-100 chars [A-Za-z0-9_-]) with every commit, and the same key when retrying it.");
    }
    if (!KEY_RE.test(key)) throw new HttpError(400, "bad_idempotency_key", "Invalid Idempotency-Key: use 1-100 characters [A-Za-z0-9_-].");
    return key;
  }

  private async commit(request: Request, url: URL): Promise<Response> {
    const base = parseUint(url.searchParams.get("base"), "base", "bad_version");
    if (base === null) throw new HttpError(400, "bad_version", "Missing parameter base=V: the version this commit is based on.");
    const pageCount = parseUint(url.searchParams.get("pageCount"), "pageCount");
    if (pageCount === null) throw new HttpError(400, "bad_request", "Missing parameter pageCount=N: the page count of the database after this commit.");
    if (pageCount > MAX_PGNO) throw new HttpError(400, "bad_request", `pageCount ${pageCount} is larger than 2^32-1.`);
    const psq = parseUint(url.searchParams.get("pageSize"), "pageSize", "invalid_page_size");
    checkPageSize(psq, "pageSize parameter");
    const stageId = url.searchParams.get("stage");
    if (stageId !== null && !/^[A-Za-z0-9_-]{1,64}$/.test(stageId)) {
      throw new HttpError(400, "bad_stage_id", "Invalid stage id: use 1-64 characters [A-Za-z0-9_-].");
    }
    const key = this.idemKey(request, true)!;
    this.requireDb();
    const body = await readBody(request, MAX_BODY, "commit");
    // State is read only after the body is in: from here on everything is synchronous.
    const m = this.requireDb();
    const replayed = this.replay(key, base);
    if (replayed) return replayed;
    // Version numbers start again when a database is deleted and created again: a commit read
    // from the previous life must not land on the new one just because its base number matches.
    const incarnation = url.searchParams.get("incarnation");
    if (incarnation !== null && incarnation !== String(m.created_ms)) {
      throw new HttpError(409, "conflict", `Commit based on version ${base} of an earlier life of this database (it was deleted and created again since); roll back and retry the transaction.`, {
        version: m.version,
      });
    }
    const pageSize = psq ?? m.page_size;
    this.checkPageSizeChange(m, pageSize);
    const format = url.searchParams.get("frames");
    if (format !== null && format !== "patch") {
      throw new HttpError(400, "bad_request", `Unknown frames=${format}: omit it for whole frames, or frames=patch.`);
    }
    let pages: Map<number, InPage>;
    if (format === "patch") {
      // Patches apply to the base version's pages, so the base must be current before decoding.
      if (base !== m.version) throw this.conflict(base, m);
      const basePage = (pgno: number) => (pgno <= m.page_count && pageSize === m.page_size ? this.readPage(pgno, base, pageSize).data : null);
      pages = this.verifyFrames(applyPatches(body, pageSize, pageCount, basePage));
    } else {
      pages = this.parseFrames(body, pageSize, pageCount);
      if (base !== m.version) throw this.conflict(base, m);
    }
    const answer = this.applyCommit(m, pages, pageCount, pageSize, base, key, stageId, (r) => ({
      version: r.version,
      pageCount: r.pageCount,
      pages: r.pages,
    }));
    this.gc();
    return new Response(answer, { status: 200, headers: { "Content-Type": "application/json" } });
  }

  private conflict(base: number, m: Meta): HttpError {
    return new HttpError(409, "conflict", `Commit based on version ${base} but the database is at version ${m.version}; another client committed first. Roll back and retry the transaction.`, {
      version: m.version,
    });
  }

  private checkPageSizeChange(m: Meta, pageSize: number): void {
    if (pageSize !== m.page_size && m.page_count !== 0) {
      throw new HttpError(400, "page_size_mismatch", `Page size ${pageSize} does not match the database's page size ${m.page_size}; a page size can only change while the database has no pages (delete it first to change it).`, {
        pageSize: m.page_size,
      });
    }
  }

  /**
   * Apply one commit atomically. Returns the JSON answer (also stored for idempotent replay).
   */
  private applyCommit(
    m: Meta,
    pages: Map<number, InPage>,
    pageCount: number,
    pageSize: number,
    base: number,
    key: string | null,
    stageId: string | null,
    shape: (r: { version: number; pageCount: number; pages: number; pageSize: number }) => unknown,
  ): string {
    const now = Date.now();
    return this.ctx.storage.transactionSync(() => {
      const n = m.version + 1;
      if (stageId !== null) {
        const st = this.sql.exec("SELECT page_size, updated_ms FROM stages WHERE stage_id = ?", stageId).toArray()[0];
        if (!st || (st.updated_ms as number) < now - this.stageTtlMs) {
          throw new HttpError(404, "unknown_stage", `Stage ${stageId} does not exist or expired (stages live ${Math.round(this.stageTtlMs / 60000)} minutes after their last upload); upload the pages again with POST /stage/{stageId}.`);
        }
        if ((st.page_size as number) !== pageSize) {
          throw new HttpError(400, "page_size_mismatch", `Stage ${stageId} holds pages of size ${st.page_size} but the commit says pageSize=${pageSize}.`);
        }
        const mx = this.sql.exec("SELECT MAX(pgno) AS mx FROM stage_refs WHERE stage_id = ?", stageId).toArray()[0];
        if (mx && mx.mx !== null && (mx.mx as number) > pageCount) {
          throw new HttpError(400, "page_out_of_range", `Stage ${stageId} holds page ${mx.mx}, beyond pageCount ${pageCount}.`);
        }
      }
      // 1. Pages sent in the body.
      for (const p of pages.values()) {
        this.sql.exec("UPDATE pages SET superseded_by = ? WHERE pgno = ? AND superseded_by IS NULL", n, p.pgno);
        this.sql.exec("INSERT INTO pages(pgno, version, data, crc, kind, superseded_by) VALUES (?, ?, ?, ?, ?, NULL)", p.pgno, n, p.data, p.crc, p.kind);
      }
      // 2. Staged pages (body pages of the same number win). The new rows take over the stage's
      // blobs by reference: publishing costs small rows, not page bytes.
      if (stageId !== null) {
        if (pages.size > 0) {
          // Staged images a body page replaces are owned by nobody after this commit.
          this.sql.exec(
            `DELETE FROM blobs WHERE id IN (
               SELECT r.blob_id FROM stage_refs r JOIN pages p ON p.pgno = r.pgno AND p.version = ? WHERE r.stage_id = ?)`,
            n,
            stageId,
          );
        }
        this.sql.exec(
          `UPDATE pages SET superseded_by = ? WHERE superseded_by IS NULL AND version < ?
             AND pgno IN (SELECT pgno FROM stage_refs WHERE stage_id = ?)`,
          n,
          n,
          stageId,
        );
        this.sql.exec(
          `INSERT OR IGNORE INTO pages(pgno, version, data, crc, kind, superseded_by, blob_id)
             SELECT pgno, ?, NULL, crc, kind, NULL, blob_id FROM stage_refs WHERE stage_id = ?`,
          n,
          stageId,
        );
        this.sql.exec("DELETE FROM stage_refs WHERE stage_id = ?", stageId);
        this.sql.exec("DELETE FROM stages WHERE stage_id = ?", stageId);
      }
      const written = this.sql.exec("SELECT COUNT(*) AS c FROM pages WHERE version = ?", n).one().c as number;
      // 3. Shrink: pages beyond the new count stop being current.
      if (pageCount < m.page_count) {
        this.sql.exec("UPDATE pages SET superseded_by = ? WHERE pgno > ? AND superseded_by IS NULL", n, pageCount);
      }
      // 4. Grow: pages between the old count and the new one that were not written read as zeros.
      if (pageCount > m.page_count) {
        const above = this.sql.exec("SELECT COUNT(*) AS c FROM pages WHERE version = ? AND pgno > ?", n, m.page_count).one().c as number;
        const gap = pageCount - m.page_count - above;
        if (gap > 1_000_000) {
          throw new HttpError(400, "page_out_of_range", `pageCount ${pageCount} grows the database by ${pageCount - m.page_count} pages but only ${written} were sent; send the new pages.`);
        }
        if (gap > 0) {
          this.sql.exec(
            `WITH RECURSIVE s(p) AS (SELECT ? UNION ALL SELECT p + 1 FROM s WHERE p < ?)
             INSERT OR IGNORE INTO pages(pgno, version, data, crc, kind, superseded_by) SELECT p, ?, NULL, NULL, 0, NULL FROM s`,
            m.page_count + 1,
            pageCount,
            n,
          );
        }
      }
      this.sql.exec("INSERT INTO commits(version, page_count, pages, ts) VALUES (?, ?, ?, ?)", n, pageCount, written, now);
      this.sql.exec("UPDATE meta SET version = ?, page_count = ?, page_size = ? WHERE id = 1", n, pageCount, pageSize);
      const answer = JSON.stringify(shape({ version: n, pageCount, pages: written, pageSize }));
      if (key !== null) {
        this.sql.exec("INSERT INTO idem(key, base, version, answer, ts) VALUES (?, ?, ?, ?, ?)", key, base, n, answer, now);
      }
      return answer;
    });
  }

  /** Garbage-collect superseded page images, old commit records, keys and expired stages (bounded work). */
  private gc(): void {
    try {
      const now = Date.now();
      const m = this.meta();
      let floor = this.oldestReadable(m, now);
      for (const v of this.pinned.keys()) floor = Math.min(floor, v);
      this.ctx.storage.transactionSync(() => {
        // Blobs first, while the rows that own them still say which they are.
        this.sql.exec(`DELETE FROM blobs WHERE id IN (SELECT blob_id FROM pages WHERE rowid IN (${GC_BATCH}))`, floor);
        this.sql.exec(`DELETE FROM pages WHERE rowid IN (${GC_BATCH})`, floor);
        this.sql.exec("DELETE FROM commits WHERE version < ?", floor);
        this.sql.exec("DELETE FROM idem WHERE version <= ? AND ts < ?", m.version - this.idemKeys, now - this.idemMs);
        const expired = this.sql.exec("SELECT stage_id FROM stages WHERE updated_ms < ? LIMIT 10", now - this.stageTtlMs).toArray();
        for (const s of expired) this.dropStage(s.stage_id as string);
        if (floor > m.gc_floor) this.sql.exec("UPDATE meta SET gc_floor = ? WHERE id = 1", floor);
      });
    } catch (e) {
      console.error("gc failed", e);
    }
  }

  async alarm(): Promise<void> {
    if (!this.exists()) return;
    this.gc();
    const left = this.sql.exec("SELECT MIN(updated_ms) AS m FROM stages").toArray()[0];
    if (left && left.m !== null) await this.ctx.storage.setAlarm(Math.max(Date.now(), (left.m as number) + this.stageTtlMs) + 1000);
  }

  private async stage(request: Request, url: URL, stageId: string): Promise<Response> {
    const psq = parseUint(url.searchParams.get("pageSize"), "pageSize", "invalid_page_size");
    checkPageSize(psq, "pageSize parameter");
    this.requireDb();
    const body = await readBody(request, MAX_BODY, "stage");
    const m = this.requireDb();
    const pageSize = psq ?? m.page_size;
    this.checkPageSizeChange(m, pageSize);
    const pages = this.parseFrames(body, pageSize, MAX_PGNO);
    const now = Date.now();
    const total = this.ctx.storage.transactionSync(() => {
      const st = this.sql.exec("SELECT page_size, updated_ms FROM stages WHERE stage_id = ?", stageId).toArray()[0];
      if (st && (st.updated_ms as number) < now - this.stageTtlMs) {
        this.dropStage(stageId);
      } else if (st && (st.page_size as number) !== pageSize) {
        throw new HttpError(400, "page_size_mismatch", `Stage ${stageId} holds pages of size ${st.page_size}, not ${pageSize}.`);
      }
      this.sql.exec(
        "INSERT INTO stages(stage_id, page_size, updated_ms) VALUES (?, ?, ?) ON CONFLICT(stage_id) DO UPDATE SET updated_ms = excluded.updated_ms, page_size = excluded.page_size",
        stageId,
        pageSize,
        now,
      );
      for (const p of pages.values()) {
        // A page uploaded again replaces the earlier image, whose blob nobody needs any more.
        this.sql.exec("DELETE FROM blobs WHERE id = (SELECT blob_id FROM stage_refs WHERE stage_id = ? AND pgno = ?)", stageId, p.pgno);
        const blobId = this.sql.exec("INSERT INTO blobs(data) VALUES (?) RETURNING id", p.data).one().id as number;
        this.sql.exec(
          "INSERT OR REPLACE INTO stage_refs(stage_id, pgno, blob_id, crc, kind) VALUES (?, ?, ?, ?, ?)",
          stageId,
          p.pgno,
          blobId,
          p.crc,
          p.kind,
        );
      }
      return this.sql.exec("SELECT COUNT(*) AS c FROM stage_refs WHERE stage_id = ?", stageId).one().c as number;
    });
    // Expired stages are also removed by an alarm, so they go away even if no commit follows.
    try {
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + this.stageTtlMs + 1000);
    } catch (e) {
      console.error("setAlarm failed", e);
    }
    return json(200, { stageId, pages: total });
  }

  private export(url: URL): Response {
    const m = this.requireDb();
    const vq = parseUint(url.searchParams.get("version"), "version", "bad_version");
    const v = vq === null ? m.version : vq;
    const count = this.checkReadVersion(m, v);
    const ps = m.page_size;
    const length = count * ps;
    this.pinned.set(v, (this.pinned.get(v) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const c = (this.pinned.get(v) ?? 1) - 1;
      if (c <= 0) this.pinned.delete(v);
      else this.pinned.set(v, c);
    };
    const batch = Math.max(1, Math.floor((1 * MiB) / ps));
    const { readable, writable } = new FixedLengthStream(length);
    const pump = async () => {
      const writer = writable.getWriter();
      try {
        for (let first = 1; first <= count; first += batch) {
          const last = Math.min(count, first + batch - 1);
          if (!this.exists()) throw new Error("database was deleted during export");
          const buf = new Uint8Array((last - first + 1) * ps);
          const cur = this.sql.exec(
            `SELECT p.pgno AS pgno, ${PAGE_BYTES} AS data FROM pages p ${PAGE_BLOB_JOIN}
             WHERE p.pgno BETWEEN ? AND ?
               AND p.version = (SELECT MAX(q.version) FROM pages q WHERE q.pgno = p.pgno AND q.version <= ?)`,
            first,
            last,
            v,
          );
          for (const row of cur) {
            const data = toBytes(row.data);
            if (data && data.length === ps) buf.set(data, ((row.pgno as number) - first) * ps);
          }
          await writer.write(buf);
        }
        await writer.close();
      } catch (e) {
        await writer.abort(e).catch(() => {});
      } finally {
        release();
      }
    };
    void pump();
    return new Response(readable, {
      status: 200,
      headers: {
        "Content-Type": "application/vnd.sqlite3",
        "Content-Disposition": `attachment; filename="${m.name}.sqlite"`,
        "X-Dosqlite-Version": String(v),
        "X-Dosqlite-Page-Size": String(ps),
      },
    });
  }

  private async import(name: string, request: Request, url: URL): Promise<Response> {
    const base = parseUint(url.searchParams.get("base"), "base", "bad_version");
    const key = this.idemKey(request, false);
    const body = await readBody(request, MAX_BODY, "import");
    const notSqlite = (why: string) =>
      new HttpError(400, "not_sqlite", `The body is not a SQLite database file (${why}); send a whole SQLite file (rollback-journal mode, not WAL) as the body. Nothing was written.`);
    const magic = "SQLite format 3\0";
    if (body.length < 100) throw notSqlite(`only ${body.length} bytes`);
    for (let i = 0; i < 16; i++) if (body[i] !== magic.charCodeAt(i)) throw notSqlite("the header is not 'SQLite format 3'");
    const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const raw = dv.getUint16(16);
    const pageSize = raw === 1 ? 65536 : raw;
    if (!isValidPageSize(pageSize)) throw notSqlite(`invalid page size ${raw} in the header`);
    if (body.length % pageSize !== 0) throw notSqlite(`length ${body.length} is not a multiple of the page size ${pageSize}`);
    const count = body.length / pageSize;
    const hdrCount = dv.getUint32(28);
    const changeCounter = dv.getUint32(24);
    const validFor = dv.getUint32(92);
    if (hdrCount !== 0 && validFor === changeCounter && hdrCount !== count) {
      throw notSqlite(`the header says ${hdrCount} pages but the file has ${count}`);
    }
    if (body[18] === 2 || body[19] === 2) {
      throw notSqlite("the file is in WAL mode; run PRAGMA journal_mode=DELETE on it (or VACUUM INTO a new file) first");
    }
    if (!this.exists()) this.createDb(name, pageSize);
    const m = this.meta();
    if (key !== null) {
      const replayed = this.replay(key, base ?? -1);
      if (replayed) return replayed;
    }
    if (base !== null && base !== m.version) throw this.conflict(base, m);
    this.checkPageSizeChange(m, pageSize);
    const pages = new Map<number, InPage>();
    for (let i = 0; i < count; i++) {
      const pgno = i + 1;
      const data = body.subarray(i * pageSize, (i + 1) * pageSize);
      pages.set(pgno, { pgno, data, crc: pageCrc(pgno, data), kind: pageKind(pgno, data) });
    }
    const answer = this.applyCommit(m, pages, count, pageSize, base ?? -1, key, null, (r) => ({
      version: r.version,
      pageCount: r.pageCount,
      pageSize: r.pageSize,
    }));
    this.gc();
    return new Response(answer, { status: 200, headers: { "Content-Type": "application/json" } });
  }
}

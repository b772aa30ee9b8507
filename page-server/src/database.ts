// One Durable Object per database. Pages are versioned rows in the DO's SQLite storage (MVCC).
// This class routes requests and owns the object's lifecycle (create, delete, alarm); the
// storage and every endpoint's work live in the modules it imports.
import { DurableObject } from "cloudflare:workers";
import { commit, type Committed, type Replayed } from "./commit";
import { type Env, readConfig } from "./config";
import { collectGarbage } from "./gc";
import { HttpError, checkPageSize, drainUnread, errorResponse, json, matchRoute, readJson } from "./http";
import { commitStatus } from "./idempotency";
import { changes, interior, read } from "./reads";
import { nextStageExpiry, stage } from "./staging";
import { type Meta, PageStore } from "./storage";
import { exportFile, importFile } from "./transfer";
import { Leases } from "./leases";
import { history, resolveVersion, restore, type VersionSpec } from "./history";
import { Lineage } from "./lineage";
import type { OutPage } from "./frames";
import { originOf } from "./storage";

/** An answer crossing Durable Objects by RPC (an HttpError's status does not survive a throw). */
export interface RpcAnswer {
  status: number;
  body: Record<string, unknown>;
}
import { ChainWaits } from "./chain";
import { Contention } from "./contention";

export class DatabaseDO extends DurableObject<Env> {
  private store: PageStore;
  private leases: Leases;
  private lineage: Lineage;
  private chains = new ChainWaits();
  private contention = new Contention();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const config = readConfig(env);
    this.store = new PageStore(ctx.storage, config);
    this.leases = new Leases(ctx, this.store, config.leaseMs);
    this.lineage = new Lineage(this.store, env);
  }

  async fetch(request: Request): Promise<Response> {
    const tag = this.leases.trafficOf(request);
    const response = await this.route(request);
    return tag ? this.leases.onTraffic(tag, response) : response;
  }

  private async route(request: Request): Promise<Response> {
    if (this.store.billing.event("request")) await this.armBillingFlush();
    try {
      const url = new URL(request.url);
      const route = matchRoute(request.method, url.pathname);
      const db = route.db!;
      const store = this.store;
      const visible = () => this.leases.visible();
      // Nobody sees a version before every lease holder can (leases.ts): reads are served the
      // newest version not held back; other answers that name a version wait for it.
      const newest = (current: number) => this.leases.visibleVersion(current);
      switch (route.name) {
        case "db":
          if (request.method === "GET") {
            await visible();
            const split = url.searchParams.get("storage") === "split" && store.exists() ? store.billing.storageSplit() : {};
            return json(200, { ...this.info(store.requireDb()), billing: { ...store.billing.report(), ...split } });
          }
          if (request.method === "PUT") return await visible(), await this.create(db, request);
          return await this.destroy();
        case "changes":
          return changes(store, url, newest);
        case "read":
          return await read(store, this.lineage, request, newest, (pages) => this.leases.recordServed(request, pages));
        case "interior":
          return await interior(store, this.lineage, request, url, newest, (pages) => this.leases.recordServed(request, pages));
        case "commit":
          return await this.committed(request, () => commit(store, this.lineage, request, url, this.chains));
        case "history":
          return await visible(), history(store, url);
        case "restore":
          return await this.committed(request, () => restore(store, this.lineage, request));
        case "commitStatus":
          return await visible(), commitStatus(store, route.key!);
        case "stage":
          return await stage(store, request, url, route.stageId!);
        case "export":
          return await visible(), exportFile(store, this.lineage, url);
        case "import":
          return await this.committed(request, () => importFile(store, db, request, url));
        case "leases":
          store.requireDb();
          return this.leases.accept(request, url);
        default:
          throw new HttpError(404, "unknown_route", "No such endpoint.");
      }
    } catch (e) {
      await drainUnread(request);
      return errorResponse(e);
    }
  }

  /**
   * Every commit and import passes here: whatever follows a new version belongs here. The answer
   * (or refusal) waits until lease holders were told (leases.ts), unless the writer asked for the
   * session mode (X-Dosqlite-Consistency: session).
   */
  private async committed(request: Request, run: () => Promise<Committed | Replayed>): Promise<Response> {
    // Applied without waiting for versions still held back: its answer waits for them instead
    // (published chains it behind them), so writers of several JVMs are not serialised by acks.
    let outcome: Committed | Replayed;
    try {
      outcome = await run();
    } catch (e) {
      // commits built on this one (pipelined after it) must not be applied
      const key = request.headers.get("Idempotency-Key");
      if (key) this.chains.refuse(key);
      // whose turn a page fought over is (contention.ts)
      if (e instanceof HttpError && e.status === 409 && typeof e.extra.page === "number") {
        const turn = this.contention.refused(request.headers.get("X-Dosqlite-Client"), e.extra.page, Date.now());
        if (turn !== null) e.extra.turn = turn;
      }
      // A refusal names the current version. A lease holder is told of that version on its socket
      // anyway, and reads it from there as soon as it applied it: it may hear of it here at once
      // (its retry then waits for the push instead of a version check). Anyone else waits until
      // the version may be shown.
      if (!(e instanceof HttpError && e.status === 409 && this.leases.holderOf(request))) await this.leases.visible();
      throw e;
    }
    this.chains.wake();
    if (outcome instanceof Response) return await this.leases.visible(), outcome;
    const m = this.store.meta();
    const wait = request.headers.get("X-Dosqlite-Consistency") !== "session";
    const counter = (JSON.parse(outcome.answer) as { counter?: number }).counter;
    let changedPages: number[] | undefined;
    const held = this.leases.published(
      {
        version: outcome.version,
        base: outcome.version - 1,
        pageSize: outcome.pageSize,
        pageCount: outcome.pageCount,
        incarnation: String(m.created_ms),
        changed: () => (changedPages ??= outcome.changed()), // a query: once, whatever the number of holders
        key: request.headers.get("Idempotency-Key"),
        ...(typeof counter === "number" ? { counter } : {}),
      },
      request.headers.get("X-Dosqlite-Client"),
      wait,
    );
    const hold = this.leases.lastHold;
    const contended = this.contention.landed(request.headers.get("X-Dosqlite-Client"), () => (changedPages ??= outcome.changed()), Date.now());
    const recorded = this.leases.recordedFor(request);
    // after published(): it pins the version readers are served while this one is held back
    collectGarbage(this.store);
    await held;
    // what the answer waited for (clients count it: see docs/protocol.md)
    const headers: Record<string, string> = { "Content-Type": "application/json", "X-Dosqlite-Held-For": String(hold.holders) };
    if (hold.behind) headers["X-Dosqlite-Held-Behind"] = "1";
    if (recorded !== null) headers["X-Dosqlite-Recorded"] = recorded;
    if (contended > 0) headers["X-Dosqlite-Contended"] = String(contended);
    return new Response(outcome.answer, { status: 200, headers });
  }

  /** Origin side of a fork's read (lineage.ts): pages at the version the fork was made from. */
  async originPages(version: number, pgnos: number[]): Promise<OutPage[]> {
    if (this.store.billing.event("request")) await this.armBillingFlush();
    return await this.lineage.serveOrigin(pgnos, version);
  }

  /** Origin side of a fork's interior prefetch. */
  async originInterior(version: number): Promise<OutPage[]> {
    if (this.store.billing.event("request")) await this.armBillingFlush();
    const m = this.store.requireDb();
    const count = this.store.checkReadVersion(m, version);
    return await this.lineage.interior(m, count, version, Number.MAX_SAFE_INTEGER);
  }

  /** Origin side of creating a fork: resolves the version and keeps it (and its pages) for the fork. */
  async pinFork(fork: string, spec: VersionSpec): Promise<RpcAnswer> {
    if (this.store.billing.event("request")) await this.armBillingFlush();
    try {
      await this.leases.visible();
      const m = this.store.requireDb();
      const v = resolveVersion(this.store, m, spec);
      const count = this.store.checkReadVersion(m, v);
      this.store.sql.exec("INSERT OR REPLACE INTO forks(name, version, created_ms) VALUES (?, ?, ?)", fork, v, Date.now());
      return { status: 200, body: { version: v, pageCount: count, pageSize: m.page_size } };
    } catch (e) {
      return rpcError(e);
    }
  }

  /** Origin side of deleting a fork: its version need not be kept any more. */
  async unpinFork(fork: string): Promise<void> {
    if (this.store.billing.event("request")) await this.armBillingFlush();
    if (!this.store.exists()) return;
    this.store.sql.exec("DELETE FROM forks WHERE name = ?", fork);
    collectGarbage(this.store);
  }

  /**
   * Makes this (new) database a fork of `origin` at the version `spec` names: no page is copied;
   * pages are read from the origin until written here. An existing database is refused unless
   * `force` (then it is deleted first, as DELETE would).
   */
  async createFork(name: string, origin: string, spec: VersionSpec, force: boolean): Promise<RpcAnswer> {
    if (this.store.billing.event("request")) await this.armBillingFlush();
    try {
      await this.leases.visible();
      if (this.store.exists()) {
        if (!force) {
          throw new HttpError(409, "already_exists", `Database ${name} already exists; choose another name, or replace it with force (dosqlite fork --force).`);
        }
        const r = await this.destroy();
        if (r.status !== 204) return { status: r.status, body: (await r.json()) as Record<string, unknown> };
      }
      const stub = this.env.DATABASE.get(this.env.DATABASE.idFromName(origin)) as unknown as DatabaseDO;
      const pinned = await stub.pinFork(name, spec);
      if (pinned.status !== 200) return pinned;
      const b = pinned.body as { version: number; pageCount: number; pageSize: number };
      this.store.create(name, b.pageSize, { name: origin, version: b.version, pageCount: b.pageCount, pageSize: b.pageSize });
      return { status: 201, body: { ...this.info(this.store.meta()) } };
    } catch (e) {
      return rpcError(e);
    }
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (this.store.billing.event("webSocketMessage")) await this.armBillingFlush();
    await this.leases.message(ws, message);
  }

  async webSocketClose(ws: WebSocket, code: number, _reason: string, _wasClean: boolean): Promise<void> {
    this.leases.closed(ws);
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
    } catch {
      // already closed
    }
  }

  async webSocketError(ws: WebSocket, _error: unknown): Promise<void> {
    this.leases.closed(ws);
  }

  async alarm(): Promise<void> {
    const billing = this.store.billing;
    billing.alarm();
    if (!this.store.exists()) return;
    collectGarbage(this.store);
    const next = [billing.flush(this.store.config.billingFlushMs), nextStageExpiry(this.store)].filter((t): t is number => t !== null);
    if (next.length > 0) await this.ctx.storage.setAlarm(Math.min(...next));
  }

  /** A new awake stretch: its counters must reach storage before an idle object is evicted (billing.ts). */
  private async armBillingFlush(): Promise<void> {
    if (!this.store.exists()) return; // nothing to persist into, and no storage to create for a 404
    try {
      const at = this.store.billing.flushDueAt(this.store.config.billingFlushMs);
      const current = await this.ctx.storage.getAlarm();
      if (current === null || current > at) await this.ctx.storage.setAlarm(at);
      this.store.billing.flushArmed = true;
    } catch (e) {
      console.error("setAlarm failed", e);
    }
  }

  private info(m: Meta): Record<string, unknown> {
    return {
      name: m.name,
      pageSize: m.page_size,
      pageCount: m.page_count,
      version: m.version,
      oldestReadableVersion: this.store.oldestReadable(m, Date.now()),
      incarnation: String(m.created_ms),
      ...(m.origin_name ? { forkOf: { name: m.origin_name, version: m.origin_version } } : {}),
    };
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
    if (this.store.exists()) return json(200, this.info(this.store.meta()));
    this.store.create(name, pageSize);
    return json(201, this.info(this.store.meta()));
  }

  private async destroy(): Promise<Response> {
    await this.leases.visible();
    const m = this.store.requireDb();
    const forks = this.store.sql.exec("SELECT name FROM forks ORDER BY name").toArray().map((r) => r.name as string);
    if (forks.length > 0) {
      throw new HttpError(409, "has_forks", `Database ${m.name} has forks that read its pages (${forks.join(", ")}); delete them first.`, { forks });
    }
    // Holders must stop reading their cached pages before the database is gone.
    const held = this.leases.published(
      { version: m.version, base: m.version, pageSize: m.page_size, pageCount: m.page_count, incarnation: String(m.created_ms), changed: () => [], deleted: true },
      null,
      true,
    );
    await this.ctx.storage.deleteAlarm();
    await this.store.destroy();
    const origin = originOf(m);
    if (origin) {
      // A lost unpin only keeps one origin version's pages longer; never blocks this delete.
      try {
        await (this.env.DATABASE.get(this.env.DATABASE.idFromName(origin.name)) as unknown as DatabaseDO).unpinFork(m.name);
      } catch (e) {
        console.error("unpin at origin failed", e);
      }
    }
    return new Response(null, { status: 204 });
  }
}

function rpcError(e: unknown): RpcAnswer {
  const r = errorResponse(e);
  const body = e instanceof HttpError ? { error: e.code, message: e.message, ...e.extra } : { error: "internal", message: String(e) };
  return { status: r.status, body };
}

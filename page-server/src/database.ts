// One Durable Object per database. Pages are versioned rows in the DO's SQLite storage (MVCC).
// This class routes requests and owns the object's lifecycle (create, delete, alarm); the
// storage and every endpoint's work live in the modules it imports.
import { DurableObject } from "cloudflare:workers";
import { commit, type Committed, type Replayed } from "./commit";
import { type Env, readConfig } from "./config";
import { collectGarbage } from "./gc";
import { HttpError, checkPageSize, errorResponse, json, matchRoute, readJson } from "./http";
import { commitStatus } from "./idempotency";
import { changes, interior, read } from "./reads";
import { scheduleStageExpiry, stage } from "./staging";
import { type Meta, PageStore } from "./storage";
import { exportFile, importFile } from "./transfer";

export class DatabaseDO extends DurableObject<Env> {
  private store: PageStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new PageStore(ctx.storage, readConfig(env));
  }

  async fetch(request: Request): Promise<Response> {
    try {
      const url = new URL(request.url);
      const route = matchRoute(request.method, url.pathname);
      const db = route.db!;
      const store = this.store;
      switch (route.name) {
        case "db":
          if (request.method === "GET") return json(200, this.info(store.requireDb()));
          if (request.method === "PUT") return await this.create(db, request);
          return await this.destroy();
        case "changes":
          return changes(store, url);
        case "read":
          return await read(store, request);
        case "interior":
          return interior(store, url);
        case "commit":
          return this.committed(await commit(store, request, url));
        case "commitStatus":
          return commitStatus(store, route.key!);
        case "stage":
          return await stage(store, request, url, route.stageId!);
        case "export":
          return exportFile(store, url);
        case "import":
          return this.committed(await importFile(store, db, request, url));
        default:
          throw new HttpError(404, "unknown_route", "No such endpoint.");
      }
    } catch (e) {
      return errorResponse(e);
    }
  }

  /** Every commit and import passes here once its transaction is done: whatever follows a new version belongs here. */
  private committed(outcome: Committed | Replayed): Response {
    if (outcome instanceof Response) return outcome;
    collectGarbage(this.store);
    return new Response(outcome.answer, { status: 200, headers: { "Content-Type": "application/json" } });
  }

  async alarm(): Promise<void> {
    if (!this.store.exists()) return;
    collectGarbage(this.store);
    await scheduleStageExpiry(this.store);
  }

  private info(m: Meta): Record<string, unknown> {
    return {
      name: m.name,
      pageSize: m.page_size,
      pageCount: m.page_count,
      version: m.version,
      oldestReadableVersion: this.store.oldestReadable(m, Date.now()),
      incarnation: String(m.created_ms),
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
    this.store.requireDb();
    await this.ctx.storage.deleteAlarm();
    await this.store.destroy();
    return new Response(null, { status: 204 });
  }
}

// Reading the past: the log of retained versions, a wall-clock time resolved to the version that
// was current then, and restore (an old version made current again as a new commit, so nothing
// in between is lost). How far back is the history window (storage.ts, gc.ts).
import { applyCommit, type Committed, type Replayed } from "./commit";
import { pageCrc } from "./crc32c";
import { type InPage, pageKind } from "./frames";
import { HttpError, json, parseUint, readJson } from "./http";
import { idempotencyKey, replay } from "./idempotency";
import type { Lineage } from "./lineage";
import type { Meta, PageStore } from "./storage";

/** Which version a request means: `{"version": V}` or `{"at": "2026-12-01T10:00:00Z" | epochMs}`; neither = current. */
export interface VersionSpec {
  version?: unknown;
  at?: unknown;
}

/** Parses a time: epoch milliseconds or an ISO-8601 instant. */
export function parseTime(at: unknown): number {
  if (typeof at === "number" && Number.isSafeInteger(at) && at >= 0) return at;
  if (typeof at === "string") {
    if (/^[0-9]{1,16}$/.test(at)) return Number(at);
    const t = Date.parse(at);
    if (Number.isFinite(t) && /^\d{4}-\d{2}-\d{2}T/.test(at)) return t;
  }
  throw new HttpError(400, "bad_time", `Time ${JSON.stringify(at)} is not understood: give an ISO-8601 instant like 2026-12-01T10:00:00Z or epoch milliseconds.`);
}

/**
 * The version a spec names, checked against the history window: 410 history_expired (naming the
 * window) for one older than it keeps, 400 for a version or time in the future.
 */
export function resolveVersion(store: PageStore, m: Meta, spec: VersionSpec, now = Date.now()): number {
  if (spec.version !== undefined && spec.version !== null && spec.at !== undefined && spec.at !== null) {
    throw new HttpError(400, "bad_request", "Give either a version or a time (at), not both.");
  }
  let v: number;
  if (spec.version !== undefined && spec.version !== null) {
    const n = typeof spec.version === "string" ? parseUint(spec.version, "version", "bad_version") : spec.version;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw new HttpError(400, "bad_version", "version must be a non-negative integer.");
    v = n;
    if (v > m.version) throw new HttpError(400, "bad_version", `Version ${v} does not exist yet (current version is ${m.version}).`, { version: m.version });
  } else if (spec.at !== undefined && spec.at !== null) {
    const t = parseTime(spec.at);
    if (t > now + 1000) {
      throw new HttpError(400, "bad_time", `Time ${new Date(t).toISOString()} is in the future (the server's clock says ${new Date(now).toISOString()}).`, { version: m.version });
    }
    const row = store.sql.exec("SELECT MAX(version) AS v FROM commits WHERE ts <= ?", t).toArray()[0];
    const found = row?.v as number | null | undefined;
    if (found === null || found === undefined) throw expired(store, m, now, `No version of ${m.name} at ${new Date(t).toISOString()} is kept`);
    v = found;
  } else {
    return m.version;
  }
  const oldest = store.oldestReadable(m, now);
  if (v < oldest) throw expired(store, m, now, `Version ${v} of ${m.name} is outside the history window (oldest kept is ${oldest})`);
  return v;
}

function expired(store: PageStore, m: Meta, now: number, what: string): HttpError {
  return new HttpError(410, "history_expired", `${what}: ${store.windowText()}. Choose a version or time inside the window (dosqlite log lists them).`, {
    version: m.version,
    ...store.window(m, now),
  });
}

/** GET /history: the retained versions, newest first (`?limit=N&before=V`), or the one current at `?at=T`. */
export function history(store: PageStore, url: URL): Response {
  const m = store.requireDb();
  const now = Date.now();
  const window = store.window(m, now);
  const oldest = window.oldestReadableVersion as number;
  const at = url.searchParams.get("at");
  let rows: Record<string, SqlStorageValue>[];
  if (at !== null) {
    const v = resolveVersion(store, m, { at }, now);
    rows = store.sql.exec("SELECT version, page_count, pages, ts FROM commits WHERE version = ?", v).toArray();
  } else {
    const limit = Math.min(parseUint(url.searchParams.get("limit"), "limit") ?? 100, 10_000);
    const before = parseUint(url.searchParams.get("before"), "before", "bad_version") ?? m.version + 1;
    rows = store.sql
      .exec("SELECT version, page_count, pages, ts FROM commits WHERE version >= ? AND version < ? ORDER BY version DESC LIMIT ?", oldest, before, limit)
      .toArray();
  }
  const versions = rows.map((r) => ({
    version: r.version,
    time: new Date(r.ts as number).toISOString(),
    pageCount: r.page_count,
    bytes: (r.page_count as number) * m.page_size,
    pagesWritten: r.pages,
  }));
  return json(200, { name: m.name, version: m.version, pageSize: m.page_size, ...window, versions });
}

/**
 * POST /restore `{"version": V}` or `{"at": T}`: one new commit whose content is version V's.
 * It writes only the pages that differ (written after V, or grown past the current count), so
 * restoring costs what changed, and every version in between stays in the history.
 */
export async function restore(store: PageStore, lineage: Lineage, request: Request): Promise<Committed | Replayed> {
  const key = idempotencyKey(request, false);
  const spec = ((await readJson(request, "POST /restore")) ?? {}) as VersionSpec;
  if (typeof spec !== "object" || Array.isArray(spec)) throw new HttpError(400, "bad_request", 'Send a JSON body like {"version": 12} or {"at": "2026-12-01T10:00:00Z"}.');
  let m = store.requireDb();
  if (key !== null) {
    const replayed = replay(store, key, -1);
    if (replayed) return replayed;
  }
  const v = resolveVersion(store, m, spec);
  const release = store.pin(v);
  try {
    const countV = store.checkReadVersion(m, v);
    const images = new Map<number, InPage>();
    // Images at v never change: gather them (a fork's may come from its origin), then apply
    // synchronously on the state as it is then; a commit landing meanwhile just means another round.
    for (let round = 0; ; round++) {
      const want = pagesToRestore(store, m, v, countV).filter((p) => !images.has(p));
      if (want.length === 0 || round >= 5) break;
      for (let i = 0; i < want.length; i += 1024) {
        const part = want.slice(i, i + 1024);
        const got = await lineage.pages(m, part, v);
        for (const p of got) {
          const data = p.data ?? new Uint8Array(m.page_size);
          images.set(p.pgno, { pgno: p.pgno, data, crc: p.data ? p.crc : pageCrc(p.pgno, data), kind: pageKind(p.pgno, data) });
        }
      }
      m = store.requireDb();
    }
    const pages = new Map<number, InPage>();
    for (const p of pagesToRestore(store, m, v, countV)) {
      const img = images.get(p);
      if (!img) throw new HttpError(503, "busy", "The database changed too often while restoring; try again.");
      pages.set(p, img);
    }
    return applyCommit(store, m, { pages, pageCount: countV, pageSize: m.page_size, base: -1, key, stageId: null }, (r) => ({
      version: r.version,
      pageCount: r.pageCount,
      pages: r.pages,
      restoredFrom: v,
    }));
  } finally {
    release();
  }
}

/** Pages whose current image differs from version v's (within v's page count). */
function pagesToRestore(store: PageStore, m: Meta, v: number, countV: number): number[] {
  const out = new Set<number>();
  for (const p of store.changedSince(v, Number.MAX_SAFE_INTEGER)) if (p <= countV) out.add(p);
  // Pages the database shrank away since v and that v had: the shrink wrote no row for them.
  for (let p = m.page_count + 1; p <= countV; p++) out.add(p);
  return [...out].sort((a, b) => a - b);
}

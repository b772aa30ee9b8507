// Reading a version: which pages changed since a client's version, pages by number, and the
// cold-start bundle of page 1 and the interior b-tree pages.
import { encodeFrames, frameResponse, type OutPage } from "./frames";
import { HttpError, MAX_CHANGED, MAX_READ_BYTES, MiB, json, parseUint, readJson } from "./http";
import type { Lineage } from "./lineage";
import { followOverflow } from "./overflow";
import { type PageStore, originOf, toBytes } from "./storage";

/**
 * Read protocol 2: one /read may ask for up to this many pages (still at most 16 MiB of page data),
 * so a client reading ahead along a scan needs fewer dependent round trips. Announced in the
 * X-Dosqlite-Max-Read-Pages header of /read and /interior answers; a client that does not see it
 * (an older server, which took 256) asks for at most 256.
 */
export const MAX_READ_PAGES = 4096;
const MAX_READ_PAGES_HEADER = "X-Dosqlite-Max-Read-Pages";

export function changes(store: PageStore, url: URL): Response {
  const m = store.requireDb();
  const since = parseUint(url.searchParams.get("since"), "since", "bad_version");
  if (since === null) throw new HttpError(400, "bad_version", "Missing parameter since=V (the version the client's cache is at).");
  const base = { version: m.version, pageSize: m.page_size, pageCount: m.page_count, incarnation: String(m.created_ms) };
  if (since > m.version) {
    // The client knows a version this database never had (e.g. it was deleted and re-created).
    return json(200, { ...base, changed: [], complete: false });
  }
  if (since === m.version) return json(200, { ...base, changed: [], complete: true });
  const changed = store.changedSince(since, MAX_CHANGED + 1);
  if (changed.length > MAX_CHANGED) return json(200, { ...base, changed: [], complete: false });
  return json(200, { ...base, changed, complete: true });
}

/** `ready` runs once the body is in, before any state is read (the lease gate: see leases.ts). */
export async function read(store: PageStore, lineage: Lineage, request: Request, ready: () => Promise<void>): Promise<Response> {
  const body = await readJson(request, "POST /read");
  await ready();
  const m = store.requireDb();
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
  const count = store.checkReadVersion(m, v);
  for (const p of pages) {
    if (!Number.isInteger(p) || (p as number) < 1 || (p as number) > count) {
      throw new HttpError(400, "page_out_of_range", `Page ${JSON.stringify(p)} is out of range: version ${v} has pages 1..${count}.`, {
        pageCount: count,
      });
    }
  }
  const ps = m.page_size;
  const want = pages as number[];
  const out: OutPage[] = await lineage.pages(m, want, v);
  // Read protocol 2: "overflowBytes": B appends, after the pages asked for, the overflow chains of
  // their cells (up to B bytes of page data, within the 16 MiB of the answer): one round trip for
  // rows that a client would otherwise fetch one overflow page at a time. A fork's pages may live
  // in its origin's object (an RPC each): it answers only the pages asked for.
  let followed = 0;
  const ob = body.overflowBytes;
  if (ob !== undefined && ob !== null && (!Number.isSafeInteger(ob) || ob < 0)) {
    throw new HttpError(400, "bad_request", "overflowBytes must be a non-negative integer (bytes of overflow pages to add).");
  }
  if (ob > 0 && originOf(m) === null) {
    const page1 = out.find((p) => p.pgno === 1)?.data ?? store.readPage(1, v, ps).data;
    const usable = ps - (page1 ? page1[20] : 0);
    const budget = Math.min(ob, MAX_READ_BYTES - out.length * ps, (MAX_READ_PAGES - out.length) * ps);
    const more = followOverflow(out, (p) => ({ pgno: p, ...store.readPage(p, v, ps) }), ps, usable, count, budget);
    followed = more.length;
    out.push(...more);
  }
  const frames = encodeFrames(out.length, ps, (i) => out[i]);
  const res = frameResponse(request, frames, v, ps);
  if (ob > 0) res.headers.set("X-Dosqlite-Overflow-Pages", String(followed)); // absent: none asked for
  // Lets a client that started reading without a version check prove, with this same answer,
  // that the version it reads is still the newest (no extra round trip for the check).
  res.headers.set("X-Dosqlite-Current-Version", String(m.version));
  res.headers.set("X-Dosqlite-Incarnation", String(m.created_ms));
  res.headers.set(MAX_READ_PAGES_HEADER, String(MAX_READ_PAGES));
  return res;
}

export async function interior(store: PageStore, lineage: Lineage, request: Request, url: URL): Promise<Response> {
  const m = store.requireDb();
  const vq = parseUint(url.searchParams.get("version"), "version", "bad_version");
  const v = vq === null ? m.version : vq;
  let maxBytes = parseUint(url.searchParams.get("maxBytes"), "maxBytes") ?? 16 * MiB;
  maxBytes = Math.min(maxBytes, 16 * MiB);
  const count = store.checkReadVersion(m, v);
  const ps = m.page_size;
  // Frames stop before maxBytes: a whole number of them fits.
  const room = Math.floor(maxBytes / (8 + ps));
  const out: OutPage[] = await lineage.interior(m, count, v, room);
  const res = frameResponse(request, encodeFrames(out.length, ps, (i) => out[i]), v, ps);
  // Enough to open the database with this one request (the client's cold start).
  res.headers.set("X-Dosqlite-Page-Count", String(count));
  res.headers.set("X-Dosqlite-Incarnation", String(m.created_ms));
  res.headers.set(MAX_READ_PAGES_HEADER, String(MAX_READ_PAGES));
  return res;
}

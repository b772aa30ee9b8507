// Reading a version: which pages changed since a client's version, pages by number, and the
// cold-start bundle of page 1 and the interior b-tree pages.
import { encodeFrames, frameResponse, type OutPage } from "./frames";
import { HttpError, MAX_CHANGED, MAX_READ_BYTES, MiB, json, parseUint, readJson } from "./http";
import type { Lineage } from "./lineage";
import { followOverflow } from "./overflow";
import { lastUnchanged, parseReads } from "./pagecheck";
import { type PageStore, originOf, toBytes } from "./storage";

/**
 * Read protocol 2: one /read may ask for up to this many pages (still at most 16 MiB of page data),
 * so a client reading ahead along a scan needs fewer dependent round trips. Announced in the
 * X-Dosqlite-Max-Read-Pages header of /read and /interior answers; a client that does not see it
 * (an older server, which took 256) asks for at most 256.
 */
export const MAX_READ_PAGES = 4096;
const MAX_READ_PAGES_HEADER = "X-Dosqlite-Max-Read-Pages";

/** The newest version a reader may be shown, given the current one (leases.ts: versions held back for lease holders). */
export type Newest = (current: number) => number;

/**
 * Records, before they are read, the pages (or the interior prefetch) a lease holder is served
 * (leases.ts): a commit after this waits for that holder. Returns the socket it was recorded
 * for, or null (not a holder's request).
 */
export type Served = (pages: number[] | "interior") => string | null;

/** A changed-pages list longer than this is not put in a header ("*": the client drops what it cannot place). */
const MAX_CHANGED_HEADER_CHARS = 4000;

export function changes(store: PageStore, url: URL, newest: Newest): Response {
  const m = store.requireDb();
  const since = parseUint(url.searchParams.get("since"), "since", "bad_version");
  if (since === null) throw new HttpError(400, "bad_version", "Missing parameter since=V (the version the client's cache is at).");
  const v = newest(m.version);
  // the current version's count is in meta: a warm check reads no row (billed)
  const countAt = (version: number) => (version === m.version ? m.page_count : store.checkReadVersion(m, version));
  const base = { version: v, pageSize: m.page_size, pageCount: countAt(v), incarnation: String(m.created_ms) };
  if (since > m.version) {
    // The client knows a version this database never had (e.g. it was deleted and re-created).
    return json(200, { ...base, changed: [], complete: false });
  }
  // A client that already learned a newer version (a holder, from its invalidations) keeps it.
  if (since >= v) return json(200, { ...base, version: since, pageCount: countAt(since), changed: [], complete: true });
  const changed = store.changedSince(since, MAX_CHANGED + 1, v);
  if (changed.length > MAX_CHANGED) return json(200, { ...base, changed: [], complete: false });
  return json(200, { ...base, changed, complete: true });
}

/**
 * Without a version in the body, the newest one `newest` allows (the lease gate: see leases.ts).
 * With `reads` (the pages the client's transaction read at `version`, on a lease that does not
 * make every commit wait for it): read at the newest version allowed at which none of them
 * changed, so a transaction that started on a lease reads a version no older than any commit
 * answered before it began (docs/protocol.md, "Waits only for holders of changed pages").
 */
export async function read(store: PageStore, lineage: Lineage, request: Request, newest: Newest, served: Served): Promise<Response> {
  const body = await readJson(request, "POST /read");
  const m = store.requireDb();
  if (!body || typeof body !== "object" || !Array.isArray(body.pages)) {
    throw new HttpError(400, "bad_request", 'Send a JSON body like {"version": 9, "pages": [1, 2, 3]}.');
  }
  const visible = newest(m.version);
  let v: number = visible;
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
  let fresh = false;
  let moved: string | null = null;
  if (body.reads !== undefined && body.reads !== null) {
    if (typeof body.reads !== "string" || body.version === undefined || body.version === null) {
      throw new HttpError(400, "bad_request", '"reads" is a string of page ranges like "1-5,9", sent with a "version".');
    }
    const readSet = parseReads(body.reads)!;
    store.checkReadVersion(m, v);
    const u = v >= visible ? v : lastUnchanged(store, m.page_size, v, visible, readSet);
    if (u !== null) {
      fresh = true;
      if (u > v) {
        const changed = store.changedSince(v, MAX_CHANGED + 1, u);
        const ranges = changed.length > MAX_CHANGED ? "*" : toRanges(changed);
        moved = ranges.length > MAX_CHANGED_HEADER_CHARS ? "*" : ranges;
        v = u;
      }
    }
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
  // A lease holder's read-ahead guesses are not recorded (`record`: how many of the pages, from
  // the first, it takes as read): a commit need not wait for pages it may never use, and the client
  // proves them before it trusts them (docs/protocol.md).
  const record = body.record === undefined || body.record === null ? want.length : body.record;
  if (!Number.isSafeInteger(record) || record < 0) throw new HttpError(400, "bad_request", "record must be a non-negative integer (how many of the pages, from the first, to record as cached).");
  // Said to the client only for a read of the current version: a copy of an older one may be
  // older than a version published before this record, which did not wait for this holder.
  const recorded = served(want.slice(0, record)) !== null && v >= m.version ? request.headers.get("X-Dosqlite-Lease") : null;
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
    // read synchronously with the walk: recorded before any commit can change them
    if (record >= want.length) served(more.map((p) => p.pgno));
  }
  const frames = encodeFrames(out.length, ps, (i) => out[i]);
  const res = frameResponse(request, frames, v, ps);
  if (ob > 0) res.headers.set("X-Dosqlite-Overflow-Pages", String(followed)); // absent: none asked for
  // Lets a client that started reading without a version check prove, with this same answer,
  // that the version it reads is still the newest (no extra round trip for the check).
  res.headers.set("X-Dosqlite-Current-Version", String(Math.max(v, visible)));
  res.headers.set("X-Dosqlite-Incarnation", String(m.created_ms));
  res.headers.set(MAX_READ_PAGES_HEADER, String(MAX_READ_PAGES));
  if (recorded !== null) res.headers.set("X-Dosqlite-Recorded", recorded);
  if (fresh) res.headers.set("X-Dosqlite-Fresh", "1");
  if (moved !== null) {
    res.headers.set("X-Dosqlite-Changed", moved);
    res.headers.set("X-Dosqlite-Page-Count", String(count));
  }
  return res;
}

/** Page numbers (ascending) as ranges like 1-5,9. */
function toRanges(pages: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < pages.length; ) {
    let j = i;
    while (j + 1 < pages.length && pages[j + 1] === pages[j] + 1) j++;
    parts.push(j > i ? `${pages[i]}-${pages[j]}` : String(pages[i]));
    i = j + 1;
  }
  return parts.join(",");
}

export async function interior(store: PageStore, lineage: Lineage, request: Request, url: URL, newest: Newest, served: Served): Promise<Response> {
  const m = store.requireDb();
  const vq = parseUint(url.searchParams.get("version"), "version", "bad_version");
  const v = vq === null ? newest(m.version) : vq;
  let maxBytes = parseUint(url.searchParams.get("maxBytes"), "maxBytes") ?? 16 * MiB;
  maxBytes = Math.min(maxBytes, 16 * MiB);
  const count = store.checkReadVersion(m, v);
  const ps = m.page_size;
  // Frames stop before maxBytes: a whole number of them fits.
  const room = Math.floor(maxBytes / (8 + ps));
  const recorded = served("interior");
  const out: OutPage[] = await lineage.interior(m, count, v, room);
  const res = frameResponse(request, encodeFrames(out.length, ps, (i) => out[i]), v, ps);
  if (recorded !== null) res.headers.set("X-Dosqlite-Recorded", recorded);
  // Enough to open the database with this one request (the client's cold start).
  res.headers.set("X-Dosqlite-Page-Count", String(count));
  res.headers.set("X-Dosqlite-Incarnation", String(m.created_ms));
  res.headers.set(MAX_READ_PAGES_HEADER, String(MAX_READ_PAGES));
  return res;
}

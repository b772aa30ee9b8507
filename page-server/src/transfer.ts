// Whole-file transfer: export streams a version as a SQLite file; import replaces the content
// with a SQLite file as one commit.
import { applyCommit, checkBase, type Committed, type Replayed } from "./commit";
import { pageCrc } from "./crc32c";
import { type InPage, pageKind } from "./frames";
import { HttpError, MAX_BODY, MiB, isValidPageSize, parseUint, readBody } from "./http";
import { idempotencyKey, replay } from "./idempotency";
import type { Lineage } from "./lineage";
import { type PageStore, checkPageSizeChange } from "./storage";

export function exportFile(store: PageStore, lineage: Lineage, url: URL): Response {
  const m = store.requireDb();
  const vq = parseUint(url.searchParams.get("version"), "version", "bad_version");
  const v = vq === null ? m.version : vq;
  const count = store.checkReadVersion(m, v);
  const ps = m.page_size;
  const length = count * ps;
  // The stream outlives this request's handler: keep its version from the GC until it ends.
  const release = store.pin(v);
  const batch = Math.max(1, Math.floor((1 * MiB) / ps));
  const { readable, writable } = new FixedLengthStream(length);
  const pump = async () => {
    const writer = writable.getWriter();
    try {
      for (let first = 1; first <= count; first += batch) {
        const last = Math.min(count, first + batch - 1);
        if (!store.exists()) throw new Error("database was deleted during export");
        const buf = new Uint8Array((last - first + 1) * ps);
        for (const [pgno, data] of await lineage.between(m, first, last, v)) {
          if (data && data.length === ps) buf.set(data, (pgno - first) * ps);
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

export async function importFile(store: PageStore, name: string, request: Request, url: URL): Promise<Committed | Replayed> {
  const base = parseUint(url.searchParams.get("base"), "base", "bad_version");
  const key = idempotencyKey(request, false);
  const body = await readBody(request, MAX_BODY, "import");
  const { pageSize, count } = checkSqliteFile(body);
  if (!store.exists()) store.create(name, pageSize);
  const m = store.meta();
  if (key !== null) {
    const replayed = replay(store, key, base ?? -1);
    if (replayed) return replayed;
  }
  if (base !== null) checkBase(m, base);
  checkPageSizeChange(m, pageSize);
  const pages = new Map<number, InPage>();
  for (let i = 0; i < count; i++) {
    const pgno = i + 1;
    const data = body.subarray(i * pageSize, (i + 1) * pageSize);
    pages.set(pgno, { pgno, data, crc: pageCrc(pgno, data), kind: pageKind(pgno, data) });
  }
  return applyCommit(store, m, { pages, pageCount: count, pageSize, base: base ?? -1, key, stageId: null }, (r) => ({
    version: r.version,
    pageCount: r.pageCount,
    pageSize: r.pageSize,
  }));
}

/** Refuses anything but a whole rollback-journal SQLite file, before anything is written. */
function checkSqliteFile(body: Uint8Array): { pageSize: number; count: number } {
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
  return { pageSize, count };
}

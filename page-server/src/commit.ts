// A commit: POST /commit decoded into verified pages, the decision whether it may land, and
// applying it (or an import) as one new version in one transaction.
import { type InPage, parseFrames, verifyFrames } from "./frames";
import { HttpError, MAX_BODY, MAX_DB_BYTES, MAX_PGNO, MiB, STAGE_RE, checkPageSize, parseUint, readBody } from "./http";
import { idempotencyKey, remember, replay } from "./idempotency";
import { applyPatches } from "./patches";
import { checkStage, publishStage } from "./staging";
import type { Lineage } from "./lineage";
import { type Meta, type PageStore, checkPageSizeChange } from "./storage";
import { type ChainWaits, DEFAULT_WAIT_MS, parseAfter } from "./chain";
import { checkPages, mergedPageOne, stalePageOne, parseReads } from "./pagecheck";

/** What a commit is to write on top of the current version. */
export interface NewVersion {
  /** Verified pages from the request body. */
  pages: Map<number, InPage>;
  pageCount: number;
  pageSize: number;
  /** The version the client read; -1 for an import without a base. */
  base: number;
  /** Idempotency key to remember the answer under, if any. */
  key: string | null;
  /** Stage whose pages join the body's, if any. */
  stageId: string | null;
}

/** An applied commit. */
export interface Committed {
  version: number;
  pageCount: number;
  pageSize: number;
  /** How many pages the version wrote (sent, staged, or grown as zeros). */
  pages: number;
  /** The JSON answer, also stored for idempotent replay. */
  answer: string;
  /** Page numbers the version wrote, ascending; ask before the next commit. Costs a query, so only on demand. */
  changed(): number[];
}

/** A commit that was not applied now because its key was: the stored answer. */
export type Replayed = Response;

export async function commit(store: PageStore, lineage: Lineage, request: Request, url: URL, chains: ChainWaits): Promise<Committed | Replayed> {
  const base = parseUint(url.searchParams.get("base"), "base", "bad_version");
  if (base === null) throw new HttpError(400, "bad_version", "Missing parameter base=V: the version this commit is based on.");
  const pageCount = parseUint(url.searchParams.get("pageCount"), "pageCount");
  if (pageCount === null) throw new HttpError(400, "bad_request", "Missing parameter pageCount=N: the page count of the database after this commit.");
  if (pageCount > MAX_PGNO) throw new HttpError(400, "bad_request", `pageCount ${pageCount} is larger than 2^32-1.`);
  const psq = parseUint(url.searchParams.get("pageSize"), "pageSize", "invalid_page_size");
  checkPageSize(psq, "pageSize parameter");
  const stageId = url.searchParams.get("stage");
  if (stageId !== null && !STAGE_RE.test(stageId)) {
    throw new HttpError(400, "bad_stage_id", "Invalid stage id: use 1-64 characters [A-Za-z0-9_-].");
  }
  const key = idempotencyKey(request, true)!;
  const reads = parseReads(url.searchParams.get("reads"));
  const after = parseAfter(url.searchParams.get("after"));
  const before = store.requireDb();
  const body = await readBody(request, MAX_BODY, "commit");
  // A fork's patches may apply to pages it shares with its origin: fetch those first (they never
  // change). A chain commit waits for the commits it was built on. After these two awaits,
  // everything from reading the state on is synchronous.
  const inherited = url.searchParams.get("frames") === "patch" ? await lineage.patchBases(before, body) : new Map();
  const own = after.length === 0 || store.sql.exec("SELECT 1 FROM idem WHERE key = ?", key).toArray().length > 0
    ? new Set<number>()
    : await chains.versionsOf(store, after, parseUint(url.searchParams.get("wait"), "wait") ?? DEFAULT_WAIT_MS);
  // State is read only after the body is in: from here on everything is synchronous.
  const m = store.requireDb();
  const replayed = replay(store, key, base);
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
  checkPageSizeChange(m, pageSize);
  if (pageCount * pageSize > MAX_DB_BYTES) {
    throw new HttpError(413, "database_too_large", `pageCount ${pageCount} of ${pageSize}-byte pages is over the ${MAX_DB_BYTES / MiB / 1024} GiB a database can hold (a Durable Object's limit). Nothing was written; keep the database smaller or split it.`);
  }
  const format = url.searchParams.get("frames");
  if (format !== null && format !== "patch") {
    throw new HttpError(400, "bad_request", `Unknown frames=${format}: omit it for whole frames, or frames=patch.`);
  }
  let pages: Map<number, InPage>;
  if (format === "patch") {
    // Patches apply to the base version's pages, so it must be one still kept.
    if (after.length > 0) throw new HttpError(400, "bad_request", "frames=patch cannot be combined with after=: send whole frames for a chain commit.");
    if (reads === null) checkBase(m, base);
    else if (base > m.version || base < store.oldestReadable(m, Date.now())) checkBase(m, base);
    const basePage = (pgno: number) => {
      if (pgno > m.page_count || pageSize !== m.page_size) return null;
      return (store.readLocal(pgno, base, pageSize) ?? inherited.get(pgno) ?? store.readPage(pgno, base, pageSize)).data;
    };
    pages = verifyFrames(applyPatches(body, pageSize, pageCount, basePage));
  } else {
    pages = parseFrames(body, pageSize, pageCount);
  }
  // A base older than the current version lands only if nothing it read or writes changed since.
  const changed = pageSize === m.page_size || base === m.version ? checkPages(store, m, { base, reads, own }, pages) : (checkBase(m, base), null);
  let counter: number | undefined;
  // A landing on a newer version than its base, or a page 1 whose change counter is not the
  // current one + 1 (a transaction moved to a newer version after its SQLite read page 1, which
  // differed only in its counters): the counter goes past the current one. Two versions with one
  // counter would let another connection's SQLite keep pages cached from the first (a lost update).
  if ((changed !== null || stalePageOne(store, m, pages)) && m.page_count > 0) {
    const one = mergedPageOne(store, m, pages);
    pages.set(1, one.page);
    counter = one.counter;
  }
  return applyCommit(store, m, { pages, pageCount, pageSize, base, key, stageId }, (r) => ({
    version: r.version,
    pageCount: r.pageCount,
    pages: r.pages,
    // the client keeps its cache: it drops these pages and takes the counter into its page 1
    ...(changed !== null ? { changed, counter } : counter !== undefined ? { counter } : {}),
  }));
}

/**
 * Optimistic concurrency: the client's transaction read version `base`, and anything committed
 * since may have changed what it read, so it rolls back and retries. Every commit is admitted
 * here, synchronously before applyCommit, so nothing can land in between.
 */
export function checkBase(m: Meta, base: number): void {
  if (base !== m.version) {
    throw new HttpError(409, "conflict", `Commit based on version ${base} but the database is at version ${m.version}; another client committed first. Roll back and retry the transaction.`, {
      version: m.version,
    });
  }
}

/**
 * Apply one commit atomically as version m.version + 1. `shape` makes the JSON answer, which
 * is stored with the key inside the same transaction.
 */
export function applyCommit(
  store: PageStore,
  m: Meta,
  c: NewVersion,
  shape: (r: { version: number; pageCount: number; pages: number; pageSize: number }) => unknown,
): Committed {
  const { pages, pageCount, pageSize, base, key, stageId } = c;
  const sql = store.sql;
  const now = Date.now();
  const n = m.version + 1;
  const { written, answer } = store.transaction(() => {
    if (stageId !== null) checkStage(store, stageId, pageSize, pageCount, now);
    // 1. Pages sent in the body.
    for (const p of pages.values()) {
      // The current image of a page is its newest row (every row is inserted after the previous
      // one was superseded), found by one primary-key probe: `WHERE pgno = ? AND superseded_by IS
      // NULL` alone reads every retained version of the page, and rows read are billed.
      sql.exec(
        "UPDATE pages SET superseded_by = ? WHERE pgno = ? AND version = (SELECT MAX(version) FROM pages WHERE pgno = ?) AND superseded_by IS NULL",
        n,
        p.pgno,
        p.pgno,
      );
      sql.exec("INSERT INTO pages(pgno, version, data, crc, kind, superseded_by) VALUES (?, ?, ?, ?, ?, NULL)", p.pgno, n, p.data, p.crc, p.kind);
    }
    // 2. Staged pages (body pages of the same number win).
    if (stageId !== null) publishStage(store, stageId, n, pages.size > 0);
    const written = sql.exec("SELECT COUNT(*) AS c FROM pages WHERE version = ?", n).one().c as number;
    // 3. Shrink: pages beyond the new count stop being current.
    if (pageCount < m.page_count) {
      sql.exec("UPDATE pages SET superseded_by = ? WHERE pgno > ? AND superseded_by IS NULL", n, pageCount);
    }
    // 4. Grow: pages between the old count and the new one that were not written read as zeros.
    if (pageCount > m.page_count) {
      const above = sql.exec("SELECT COUNT(*) AS c FROM pages WHERE version = ? AND pgno > ?", n, m.page_count).one().c as number;
      const gap = pageCount - m.page_count - above;
      if (gap > 1_000_000) {
        throw new HttpError(400, "page_out_of_range", `pageCount ${pageCount} grows the database by ${pageCount - m.page_count} pages but only ${written} were sent; send the new pages.`);
      }
      if (gap > 0) {
        sql.exec(
          `WITH RECURSIVE s(p) AS (SELECT ? UNION ALL SELECT p + 1 FROM s WHERE p < ?)
           INSERT OR IGNORE INTO pages(pgno, version, data, crc, kind, superseded_by) SELECT p, ?, NULL, NULL, 0, NULL FROM s`,
          m.page_count + 1,
          pageCount,
          n,
        );
      }
    }
    sql.exec("INSERT INTO commits(version, page_count, pages, ts) VALUES (?, ?, ?, ?)", n, pageCount, written, now);
    // Billed-unit counters ride on this write, so counting costs no row (billing.ts).
    const billed = store.billing.take();
    sql.exec(`UPDATE meta SET version = ?, page_count = ?, page_size = ?, ${billed.set} WHERE id = 1`, n, pageCount, pageSize, ...billed.bindings);
    const answer = JSON.stringify(shape({ version: n, pageCount, pages: written, pageSize }));
    if (key !== null) remember(store, key, base, n, answer, now);
    return { written, answer };
  });
  return { version: n, pageCount, pageSize, pages: written, answer, changed: () => store.writtenAt(n) };
}

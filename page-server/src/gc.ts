// Garbage collection (compaction of history): superseded page images no retained version can
// see, their commit records, old idempotency keys and expired stages. Bounded work per pass; runs
// after every commit and from the alarm. What is retained: the history window (time, with a
// bound on bytes; storage.ts oldestReadable), versions running exports read, and the versions
// forks were made from (lineage.ts) — for those only the images they see, not what lies between.
import { forgetOldKeys } from "./idempotency";
import { dropExpiredStages } from "./staging";
import type { Meta, PageStore } from "./storage";
import { PAGE_BLOB_JOIN, PAGE_BYTES, SUPERSEDED_AT } from "./schema";

/**
 * One GC batch of page images marked superseded (superseded_by: rows written before commits
 * stopped marking them, and pages a shrink cut off); ordered by the index so both statements
 * using it pick the same rows. An image a fork's version sees (written at or before it,
 * superseded after it) stays.
 */
const GC_BATCH = `SELECT rowid FROM pages WHERE superseded_by <= ? AND version < ?
  AND NOT EXISTS (SELECT 1 FROM forks f WHERE f.version >= pages.version AND f.version < pages.superseded_by)
  ORDER BY superseded_by, rowid LIMIT 20000`;

export function collectGarbage(store: PageStore): void {
  try {
    const now = Date.now();
    const m = store.meta();
    const floor = Math.min(Math.max(store.oldestReadable(m, now), byteFloor(store, m)), store.oldestPinned(m.version));
    store.transaction(() => {
      const scanned = dropPredecessors(store, m, floor);
      // Marked rows go only once the walk has passed them: the row before one of them is found
      // as its predecessor, so it must not be gone first.
      const [cv, cp] = scanned ?? [m.gc_scan_version, m.gc_scan_pgno];
      const walked = cp === Number.MAX_SAFE_INTEGER ? cv + 1 : cv;
      // Blobs first, while the rows that own them still say which they are.
      store.sql.exec(`DELETE FROM blobs WHERE id IN (SELECT blob_id FROM pages WHERE rowid IN (${GC_BATCH}))`, floor, walked);
      store.sql.exec(`DELETE FROM pages WHERE rowid IN (${GC_BATCH})`, floor, walked);
      store.sql.exec("DELETE FROM commits WHERE version < ? AND version NOT IN (SELECT version FROM forks)", floor);
      forgetOldKeys(store, m.version, now);
      dropExpiredStages(store, now);
      if (floor > m.gc_floor || scanned !== null) {
        store.sql.exec("UPDATE meta SET gc_floor = ?, gc_scan_version = ?, gc_scan_pgno = ? WHERE id = 1", Math.max(floor, m.gc_floor), cv, cp);
      }
    });
  } catch (e) {
    // A failed pass only delays reclaiming space; the commit it follows has already succeeded.
    console.error("gc failed", e);
  }
}

/** Rows looked at per pass for their predecessors (a bulk import's version is worked off in several). */
const SCAN_BATCH = 2000;

/**
 * A commit does not mark the image it supersedes (that rewrote a 4 KiB row and an index entry per
 * page written: a third of a small commit's billed rows). An image is superseded by the next row
 * of its page, so GC walks the rows written since its cursor, up to the floor, in
 * pages_by_version order: the row before each one is dead unless a fork's version lies between
 * the two. Any version at or after the floor reads the newer row or a later one. Returns the new
 * cursor, or null when there was nothing to walk.
 */
function dropPredecessors(store: PageStore, m: Meta, floor: number): [number, number] | null {
  if (m.gc_scan_version >= floor) return null;
  const rows = store.sql
    .exec(
      `SELECT s.pgno AS pgno, s.version AS w,
         (SELECT MAX(q.version) FROM pages q WHERE q.pgno = s.pgno AND q.version < s.version) AS prev
       FROM pages s WHERE (s.version, s.pgno) > (?, ?) AND s.version <= ? ORDER BY s.version, s.pgno LIMIT ?`,
      m.gc_scan_version,
      m.gc_scan_pgno,
      floor,
      SCAN_BATCH,
    )
    .toArray();
  const forks = rows.length > 0 ? store.forkPins() : [];
  for (const r of rows) {
    const prev = r.prev as number | null;
    const w = r.w as number;
    if (prev === null || forks.some((f) => f >= prev && f < w)) continue;
    store.sql.exec("DELETE FROM blobs WHERE id = (SELECT blob_id FROM pages WHERE pgno = ? AND version = ?)", r.pgno, prev);
    store.sql.exec("DELETE FROM pages WHERE pgno = ? AND version = ?", r.pgno, prev);
  }
  if (rows.length < SCAN_BATCH) return [floor, Number.MAX_SAFE_INTEGER];
  const last = rows[rows.length - 1];
  return [last.w as number, last.pgno as number];
}

/** A fork's version stopped being kept: the images only it kept are walked again (dropPredecessors). */
export function rescanFrom(store: PageStore, version: number): void {
  store.sql.exec(
    "UPDATE meta SET gc_scan_version = ?, gc_scan_pgno = 0 WHERE id = 1 AND gc_scan_version > ?",
    version,
    version,
  );
}

/**
 * The oldest version the byte bound lets the history keep: the newest old images are kept until
 * their bytes reach DOSQLITE_RETAIN_BYTES, never fewer than the last retainVersions versions.
 * Only queried when the whole object is larger than the bound (a cheap check), since it reads
 * every history row.
 */
function byteFloor(store: PageStore, m: Meta): number {
  const bound = store.config.retainBytes;
  if (store.storedBytes() <= bound) return 0;
  const rows = store.sql
    .exec(
      `SELECT v, SUM(bytes) AS bytes FROM (
         SELECT ${SUPERSEDED_AT} AS v, LENGTH(${PAGE_BYTES}) AS bytes FROM pages p ${PAGE_BLOB_JOIN})
       WHERE v IS NOT NULL GROUP BY v ORDER BY v DESC`,
    )
    .toArray();
  let total = 0;
  for (const r of rows) {
    total += (r.bytes as number) ?? 0;
    // Images superseded at version v are what versions before v read: dropping them makes v the oldest.
    if (total > bound) return Math.min(r.v as number, Math.max(0, m.version - (store.config.retainVersions - 1)));
  }
  return 0;
}

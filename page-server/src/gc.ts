// Garbage collection (compaction of history): superseded page images no retained version can
// see, their commit records, old idempotency keys and expired stages. Bounded work per pass; runs
// after every commit and from the alarm. What is retained: the history window (time, with a
// bound on bytes; storage.ts oldestReadable), versions running exports read, and the versions
// forks were made from (lineage.ts) — for those only the images they see, not what lies between.
import { forgetOldKeys } from "./idempotency";
import { dropExpiredStages } from "./staging";
import type { Meta, PageStore } from "./storage";
import { PAGE_BLOB_JOIN, PAGE_BYTES } from "./schema";

/**
 * One GC batch of superseded page images; ordered by the index so both statements using it pick
 * the same rows. An image a fork's version sees (written at or before it, superseded after it)
 * stays.
 */
const GC_BATCH = `SELECT rowid FROM pages WHERE superseded_by <= ?
  AND NOT EXISTS (SELECT 1 FROM forks f WHERE f.version >= pages.version AND f.version < pages.superseded_by)
  ORDER BY superseded_by, rowid LIMIT 20000`;

export function collectGarbage(store: PageStore): void {
  try {
    const now = Date.now();
    const m = store.meta();
    const floor = Math.min(Math.max(store.oldestReadable(m, now), byteFloor(store, m)), store.oldestPinned(m.version));
    store.transaction(() => {
      // Blobs first, while the rows that own them still say which they are.
      store.sql.exec(`DELETE FROM blobs WHERE id IN (SELECT blob_id FROM pages WHERE rowid IN (${GC_BATCH}))`, floor);
      store.sql.exec(`DELETE FROM pages WHERE rowid IN (${GC_BATCH})`, floor);
      store.sql.exec("DELETE FROM commits WHERE version < ? AND version NOT IN (SELECT version FROM forks)", floor);
      forgetOldKeys(store, m.version, now);
      dropExpiredStages(store, now);
      if (floor > m.gc_floor) store.sql.exec("UPDATE meta SET gc_floor = ? WHERE id = 1", floor);
    });
  } catch (e) {
    // A failed pass only delays reclaiming space; the commit it follows has already succeeded.
    console.error("gc failed", e);
  }
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
      `SELECT p.superseded_by AS v, SUM(LENGTH(${PAGE_BYTES})) AS bytes FROM pages p ${PAGE_BLOB_JOIN}
       WHERE p.superseded_by IS NOT NULL GROUP BY p.superseded_by ORDER BY p.superseded_by DESC`,
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

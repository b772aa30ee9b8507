// Garbage collection: superseded page images no retained version can see, their commit
// records, old idempotency keys and expired stages. Bounded work per pass; runs after every
// commit and from the alarm.
import { forgetOldKeys } from "./idempotency";
import { dropExpiredStages } from "./staging";
import type { PageStore } from "./storage";

/** One GC batch of superseded page images; ordered by the index so both statements using it pick the same rows. */
const GC_BATCH = "SELECT rowid FROM pages WHERE superseded_by <= ? ORDER BY superseded_by, rowid LIMIT 20000";

export function collectGarbage(store: PageStore): void {
  try {
    const now = Date.now();
    const m = store.meta();
    const floor = store.oldestNeeded(m, now);
    store.transaction(() => {
      // Blobs first, while the rows that own them still say which they are.
      store.sql.exec(`DELETE FROM blobs WHERE id IN (SELECT blob_id FROM pages WHERE rowid IN (${GC_BATCH}))`, floor);
      store.sql.exec(`DELETE FROM pages WHERE rowid IN (${GC_BATCH})`, floor);
      store.sql.exec("DELETE FROM commits WHERE version < ?", floor);
      forgetOldKeys(store, m.version, now);
      dropExpiredStages(store, now);
      if (floor > m.gc_floor) store.sql.exec("UPDATE meta SET gc_floor = ? WHERE id = 1", floor);
    });
  } catch (e) {
    // A failed pass only delays reclaiming space; the commit it follows has already succeeded.
    console.error("gc failed", e);
  }
}

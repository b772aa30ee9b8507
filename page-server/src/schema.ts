// The tables of a database's Durable Object, and the in-place upgrade of objects written by
// earlier versions of this code: objects already on disk must keep opening, so the layout only
// ever changes through upgradeSchema.

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(
  id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, page_size INTEGER NOT NULL,
  page_count INTEGER NOT NULL, version INTEGER NOT NULL, gc_floor INTEGER NOT NULL, created_ms INTEGER NOT NULL,
  b_requests INTEGER NOT NULL DEFAULT 0, b_ws_messages INTEGER NOT NULL DEFAULT 0, b_rows_read INTEGER NOT NULL DEFAULT 0,
  b_rows_written INTEGER NOT NULL DEFAULT 0, b_awake_ms INTEGER NOT NULL DEFAULT 0, b_alarms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS pages(
  pgno INTEGER NOT NULL, version INTEGER NOT NULL, data BLOB, crc INTEGER, kind INTEGER NOT NULL,
  superseded_by INTEGER, blob_id INTEGER, PRIMARY KEY (pgno, version));
CREATE INDEX IF NOT EXISTS pages_by_version ON pages(version, pgno);
CREATE INDEX IF NOT EXISTS pages_superseded ON pages(superseded_by) WHERE superseded_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS pages_interior ON pages(pgno, version) WHERE kind IN (2, 5);
CREATE TABLE IF NOT EXISTS blobs(id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS commits(
  version INTEGER PRIMARY KEY, page_count INTEGER NOT NULL, pages INTEGER NOT NULL, ts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idem(
  key TEXT PRIMARY KEY, base INTEGER NOT NULL, version INTEGER NOT NULL, answer TEXT NOT NULL, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS idem_by_version ON idem(version);
CREATE TABLE IF NOT EXISTS forks(
  name TEXT PRIMARY KEY, version INTEGER NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stages(
  stage_id TEXT PRIMARY KEY, page_size INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stage_refs(
  stage_id TEXT NOT NULL, pgno INTEGER NOT NULL, blob_id INTEGER NOT NULL, crc INTEGER NOT NULL, kind INTEGER NOT NULL,
  PRIMARY KEY (stage_id, pgno));
`;

// Page bytes live either inline in pages.data (body pages, imports, rows written before blobs
// existed) or in blobs, referenced by pages.blob_id (published stages) or stage_refs.blob_id
// (unpublished stages). A blob has exactly one owner row, so publishing a stage moves a
// reference instead of copying bytes, and whoever deletes the owner row deletes the blob.
// A pages row with neither data nor blob_id is a zero page (grown, never written).
export const PAGE_BYTES = "COALESCE(p.data, b.data)";
export const PAGE_BLOB_JOIN = "LEFT JOIN blobs b ON b.id = p.blob_id";

/** Create what is missing and upgrade what is old (idempotent). */
export function ensureSchema(sql: SqlStorage): void {
  sql.exec(SCHEMA);
  upgradeSchema(sql);
}

/** Bring a Durable Object created by an earlier version of this code to the current schema (idempotent). */
function upgradeSchema(sql: SqlStorage): void {
  const cols = sql.exec("PRAGMA table_info(pages)").toArray();
  if (!cols.some((c) => c.name === "blob_id")) sql.exec("ALTER TABLE pages ADD COLUMN blob_id INTEGER");
  // Billed-unit counters (billing.ts) ride on the meta row.
  const metaCols = sql.exec("PRAGMA table_info(meta)").toArray();
  for (const c of ["b_requests", "b_ws_messages", "b_rows_read", "b_rows_written", "b_awake_ms", "b_alarms"]) {
    if (!metaCols.some((m) => m.name === c)) sql.exec(`ALTER TABLE meta ADD COLUMN ${c} INTEGER NOT NULL DEFAULT 0`);
  }
  // A fork (lineage.ts) names the database and version it reads unwritten pages from.
  for (const [c, type] of [["origin_name", "TEXT"], ["origin_version", "INTEGER"], ["origin_page_count", "INTEGER"]]) {
    if (!metaCols.some((m) => m.name === c)) sql.exec(`ALTER TABLE meta ADD COLUMN ${c} ${type}`);
  }
  // Replaced by the partial indexes pages_superseded and pages_interior: current pages (the
  // majority) and leaf pages do not need an entry.
  sql.exec("DROP INDEX IF EXISTS pages_by_superseded");
  sql.exec("DROP INDEX IF EXISTS pages_by_kind");
  const legacy = sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'stage_pages'").toArray();
  if (legacy.length > 0) {
    // Stages uploaded before blobs existed: move their bytes into blobs once (stage_id, pgno is
    // unique, so both statements number the rows alike), so a commit naming them still works.
    const first = sql.exec("SELECT COALESCE(MAX(id), 0) AS m FROM blobs").one().m as number;
    const order = "ROW_NUMBER() OVER (ORDER BY stage_id, pgno)";
    sql.exec(`INSERT INTO blobs(id, data) SELECT ? + ${order}, data FROM stage_pages`, first);
    sql.exec(`INSERT INTO stage_refs(stage_id, pgno, blob_id, crc, kind) SELECT stage_id, pgno, ? + ${order}, crc, kind FROM stage_pages`, first);
    sql.exec("DROP TABLE stage_pages");
  }
}

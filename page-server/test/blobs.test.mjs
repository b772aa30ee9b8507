// Staged pages are stored once, in blobs: publishing a stage moves references, and every path
// that drops page rows or stage rows drops the blobs they own. Storage is inspected read-only
// through the sqlite3 tool where available.
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  HAVE_SQLITE3,
  commit,
  databaseFile,
  frames,
  makePage,
  pageCrc,
  parseFrames,
  readPages,
  startServer,
  storageQuery,
  tempDir,
} from "./helpers.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const needSqlite = { skip: HAVE_SQLITE3 ? false : "the sqlite3 tool is not installed" };

let s; // default settings
let g; // short retention and stage TTL, for GC
before(async () => {
  [s, g] = await Promise.all([
    startServer(),
    startServer({ args: ["--retain-ms", "1000", "--retain-versions", "2", "--stage-ttl-ms", "1000"] }),
  ]);
});
after(async () => {
  await Promise.all([s?.stop(), g?.stop()]);
});

const stage = (srv, db, id, pages) => srv.api("POST", `/v1/databases/${db}/stage/${id}`, { body: frames(pages) });

/** Blob bookkeeping of one database: every blob has exactly one owner, every reference a blob. */
function blobState(file) {
  return storageQuery(
    file,
    `SELECT (SELECT COUNT(*) FROM blobs) AS blobs,
            (SELECT COUNT(*) FROM pages WHERE blob_id IS NOT NULL) AS pageRefs,
            (SELECT COUNT(*) FROM stage_refs) AS stageRefs,
            (SELECT COUNT(*) FROM blobs WHERE id NOT IN (SELECT blob_id FROM pages WHERE blob_id IS NOT NULL)
                                          AND id NOT IN (SELECT blob_id FROM stage_refs)) AS orphans,
            (SELECT COUNT(*) FROM pages WHERE blob_id IS NOT NULL AND blob_id NOT IN (SELECT id FROM blobs))
              + (SELECT COUNT(*) FROM stage_refs WHERE blob_id NOT IN (SELECT id FROM blobs)) AS dangling`,
  )[0];
}

test("a staged commit reads back byte-exact at the new and the old version (read, interior, export)", async () => {
  const db = "blob1";
  const ps = 1024;
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: ps } })).status, 201);
  // v1 from the body: pages 1..20, pages 2 and 3 interior
  const v1 = (p) => makePage(ps, p, 1, p === 2 || p === 3 ? 0x05 : 0x0d);
  const c1 = await commit(s, db, { base: 0, pageCount: 20, pages: Array.from({ length: 20 }, (_, i) => ({ pgno: i + 1, data: v1(i + 1) })) });
  assert.equal(c1.status, 200, c1.text);
  // the stage: 1..12, then 3 again (the second image wins) and 13..22; page 3 and 7 interior
  const kind2 = (p) => (p === 3 ? 0x05 : p === 7 ? 0x02 : 0x0d);
  const staged = (p) => makePage(ps, p, 2, kind2(p));
  const up1 = await stage(s, db, "big", Array.from({ length: 12 }, (_, i) => ({ pgno: i + 1, data: staged(i + 1) })));
  assert.deepEqual(up1.json, { stageId: "big", pages: 12 });
  const page3 = makePage(ps, 3, 3, 0x05);
  const up2 = await stage(s, db, "big", [{ pgno: 3, data: page3 }, ...Array.from({ length: 10 }, (_, i) => ({ pgno: 13 + i, data: staged(13 + i) }))]);
  assert.deepEqual(up2.json, { stageId: "big", pages: 22 });
  // body page 5 beats the staged page 5; page 24 is new; page 23 is grown and reads as zeros
  const c2 = await commit(s, db, { base: 1, pageCount: 24, stage: "big", pages: [{ pgno: 5, data: makePage(ps, 5, 4) }, { pgno: 24, data: makePage(ps, 24, 4) }] });
  assert.equal(c2.status, 200, c2.text);
  assert.deepEqual(c2.json, { version: 2, pageCount: 24, pages: 23 });
  const want2 = (p) => (p === 5 || p === 24 ? makePage(ps, p, 4) : p === 23 ? new Uint8Array(ps) : p === 3 ? page3 : staged(p));

  const r2 = await readPages(s, db, 2, Array.from({ length: 24 }, (_, i) => i + 1));
  assert.equal(r2.status, 200, r2.text);
  parseFrames(r2.bytes, ps).forEach((f, i) => assert.deepEqual(f.data, want2(i + 1), `page ${i + 1} at v2`));
  const r1 = await readPages(s, db, 1, Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(r1.status, 200, r1.text);
  parseFrames(r1.bytes, ps).forEach((f, i) => assert.deepEqual(f.data, v1(i + 1), `page ${i + 1} at v1`));
  // single-page reads take the same path as batches; check one staged page alone too
  assert.deepEqual(parseFrames((await readPages(s, db, 2, [7])).bytes, ps)[0].data, staged(7));

  const int2 = parseFrames((await s.api("GET", `/v1/databases/${db}/interior?version=2`)).bytes, ps);
  assert.deepEqual(int2.map((f) => f.pgno), [1, 3, 7]);
  assert.deepEqual(int2[1].data, page3);
  assert.deepEqual(int2[2].data, staged(7));
  const int1 = parseFrames((await s.api("GET", `/v1/databases/${db}/interior?version=1`)).bytes, ps);
  assert.deepEqual(int1.map((f) => f.pgno), [1, 2, 3]);
  assert.deepEqual(int1[2].data, v1(3));

  const ex = await s.api("GET", `/v1/databases/${db}/export`);
  assert.equal(ex.status, 200);
  assert.equal(ex.bytes.length, 24 * ps);
  for (let p = 1; p <= 24; p++) assert.deepEqual(ex.bytes.subarray((p - 1) * ps, p * ps), want2(p), `export page ${p}`);
  const ex1 = await s.api("GET", `/v1/databases/${db}/export?version=1`);
  for (let p = 1; p <= 20; p++) assert.deepEqual(ex1.bytes.subarray((p - 1) * ps, p * ps), v1(p), `export v1 page ${p}`);

  const ch = await s.api("GET", `/v1/databases/${db}/changes?since=1`);
  assert.deepEqual(ch.json.changed, Array.from({ length: 24 }, (_, i) => i + 1));

  if (HAVE_SQLITE3) {
    // 22 staged pages, minus page 5 (the body's image won): 21 blobs, each owned by one v2 row;
    // the first image of page 3 and the staged page 5 are gone, nothing is left in staging
    assert.deepEqual(blobState(databaseFile(s.dataDir, db)), { blobs: 21, pageRefs: 21, stageRefs: 0, orphans: 0, dangling: 0 });
  }
});

test("GC leaves no orphan blobs: superseded staged images, an expired stage, a deleted database", needSqlite, async () => {
  const db = "blob2";
  const ps = 512;
  assert.equal((await g.api("PUT", `/v1/databases/${db}`, { body: { pageSize: ps } })).status, 201);
  const file = databaseFile(g.dataDir, db);
  const pages = (seed, from, to) => Array.from({ length: to - from + 1 }, (_, i) => ({ pgno: from + i, data: makePage(ps, from + i, seed) }));
  // a stage that is never committed
  assert.equal((await stage(g, db, "forgotten", pages(9, 1, 3))).status, 200);
  // v1, v2: staged 1..8 twice; v3: body 1..4; v4: shrink to 6 (v2's 7 and 8 stop being current)
  for (const v of [1, 2]) {
    assert.equal((await stage(g, db, `st${v}`, pages(v, 1, 8))).status, 200);
    const c = await commit(g, db, { base: v - 1, pageCount: 8, stage: `st${v}` });
    assert.equal(c.status, 200, c.text);
  }
  assert.equal((await commit(g, db, { base: 2, pageCount: 8, pages: pages(3, 1, 4) })).status, 200);
  assert.equal((await commit(g, db, { base: 3, pageCount: 6, pages: pages(4, 1, 1) })).status, 200);
  assert.deepEqual(blobState(file), { blobs: 19, pageRefs: 16, stageRefs: 3, orphans: 0, dangling: 0 });

  await sleep(1300);
  // v5 runs the GC: only versions 4 and 5 stay readable; of the staged images only v2's pages 5, 6 are still needed
  assert.equal((await commit(g, db, { base: 4, pageCount: 6, pages: pages(5, 2, 2) })).status, 200);
  assert.deepEqual(blobState(file), { blobs: 2, pageRefs: 2, stageRefs: 0, orphans: 0, dangling: 0 });
  assert.deepEqual(storageQuery(file, "SELECT COUNT(*) AS n FROM stages")[0].n, 0);
  const r = await readPages(g, db, 4, [1, 2, 3, 4, 5, 6]);
  assert.equal(r.status, 200, r.text);
  const want4 = [makePage(ps, 1, 4), ...[2, 3, 4].map((p) => makePage(ps, p, 3)), makePage(ps, 5, 2), makePage(ps, 6, 2)];
  parseFrames(r.bytes, ps).forEach((f, i) => assert.deepEqual(f.data, want4[i], `page ${i + 1} at v4`));

  // deleting the database takes every blob with it, and a new life starts empty
  assert.equal((await stage(g, db, "pending", pages(6, 1, 2))).status, 200);
  assert.equal((await g.api("DELETE", `/v1/databases/${db}`)).status, 204);
  const left = storageQuery(file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('blobs', 'pages', 'stage_refs')");
  assert.deepEqual(left, []);
  assert.equal((await g.api("PUT", `/v1/databases/${db}`, { body: { pageSize: ps } })).status, 201);
  assert.deepEqual(blobState(databaseFile(g.dataDir, db)), { blobs: 0, pageRefs: 0, stageRefs: 0, orphans: 0, dangling: 0 });
});

test("the partial indexes serve the interior prefetch and the GC", needSqlite, async () => {
  const db = "blob3";
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: 512 } })).status, 201);
  const file = databaseFile(s.dataDir, db);
  // the sqlite3 tool prints query plans as a tree, not as JSON rows
  const plan = (sql) => execFileSync("sqlite3", ["-readonly", file, `EXPLAIN QUERY PLAN ${sql}`], { encoding: "utf8" });
  // the same statements as src/storage.ts (interiorPages()) and src/gc.ts (collectGarbage())
  const interior = plan(`SELECT p.pgno AS pgno, COALESCE(p.data, b.data) AS data, p.crc AS crc FROM pages p LEFT JOIN blobs b ON b.id = p.blob_id
           WHERE p.kind IN (2, 5) AND p.pgno > 1 AND p.pgno <= 10 AND p.version <= 3
             AND NOT EXISTS (SELECT 1 FROM pages q WHERE q.pgno = p.pgno AND q.version > p.version AND q.version <= 3)
           ORDER BY p.pgno`);
  assert.match(interior, /SEARCH p USING INDEX pages_interior/, interior);
  assert.doesNotMatch(interior, /TEMP B-TREE/, interior);
  const gc = plan("DELETE FROM pages WHERE rowid IN (SELECT rowid FROM pages WHERE superseded_by <= 3 ORDER BY superseded_by, rowid LIMIT 20000)");
  assert.match(gc, /USING COVERING INDEX pages_superseded/, gc);
  assert.doesNotMatch(gc, /TEMP B-TREE/, gc);
  const indexes = storageQuery(file, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pages' AND sql IS NOT NULL ORDER BY name");
  assert.deepEqual(indexes.map((r) => r.name), ["pages_by_version", "pages_interior", "pages_superseded"]);
});

test("a Durable Object from before blobs is upgraded: old pages, a half-uploaded old stage and old indexes", needSqlite, async () => {
  const dataDir = tempDir();
  const ps = 512;
  let u = await startServer({ dataDir });
  let file;
  try {
    assert.equal((await u.api("PUT", "/v1/databases/old", { body: { pageSize: ps } })).status, 201);
    assert.equal((await commit(u, "old", { base: 0, pageCount: 4, pages: [1, 2, 3, 4].map((p) => ({ pgno: p, data: makePage(ps, p, 1, p === 2 ? 0x05 : 0x0d) })) })).status, 200);
    file = databaseFile(dataDir, "old");
  } finally {
    await u.stop();
  }
  // Rewrite the storage into the earlier schema: no blob_id, no blobs, the old full indexes, and
  // a stage whose pages were uploaded into stage_pages.
  const stagedOld = makePage(ps, 3, 7);
  const hex = Buffer.from(stagedOld).toString("hex");
  execSqlite(file, `
    DROP INDEX pages_superseded; DROP INDEX pages_interior;
    ALTER TABLE pages DROP COLUMN blob_id; DROP TABLE stage_refs; DROP TABLE blobs;
    CREATE INDEX pages_by_superseded ON pages(superseded_by); CREATE INDEX pages_by_kind ON pages(kind, pgno);
    CREATE TABLE stage_pages(stage_id TEXT NOT NULL, pgno INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY (stage_id, pgno));
    INSERT INTO stages(stage_id, page_size, updated_ms) VALUES ('before', ${ps}, ${Date.now()});
    INSERT INTO stage_pages VALUES ('before', 3, X'${hex}', ${pageCrc(3, stagedOld)}, 13);`);
  u = await startServer({ dataDir });
  try {
    const r1 = await readPages(u, "old", 1, [1, 2, 3, 4]);
    assert.equal(r1.status, 200, r1.text);
    parseFrames(r1.bytes, ps).forEach((f, i) => assert.deepEqual(f.data, makePage(ps, i + 1, 1, i === 1 ? 0x05 : 0x0d)));
    // the old stage is still there: one more page, then commit it
    assert.deepEqual((await stage(u, "old", "before", [{ pgno: 4, data: makePage(ps, 4, 7) }])).json, { stageId: "before", pages: 2 });
    const c = await commit(u, "old", { base: 1, pageCount: 4, stage: "before" });
    assert.equal(c.status, 200, c.text);
    const r2 = parseFrames((await readPages(u, "old", 2, [1, 2, 3, 4])).bytes, ps);
    assert.deepEqual(r2[2].data, stagedOld);
    assert.deepEqual(r2[3].data, makePage(ps, 4, 7));
    assert.deepEqual(r2[0].data, makePage(ps, 1, 1));
    assert.deepEqual(parseFrames((await u.api("GET", "/v1/databases/old/interior")).bytes, ps).map((f) => f.pgno), [1, 2]);
    assert.deepEqual(blobState(file), { blobs: 2, pageRefs: 2, stageRefs: 0, orphans: 0, dangling: 0 });
    const tables = storageQuery(file, "SELECT name FROM sqlite_master WHERE name IN ('stage_pages', 'pages_by_kind', 'pages_by_superseded', 'pages_interior', 'pages_superseded') ORDER BY name");
    assert.deepEqual(tables.map((t) => t.name), ["pages_interior", "pages_superseded"]);
  } finally {
    await u.stop();
  }
});

function execSqlite(file, sql) {
  execFileSync("sqlite3", [file, sql]);
}

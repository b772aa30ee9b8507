// Billed units (docs/cost.md): the info's "billing" object counts requests, WebSocket messages,
// rows read and written, stored bytes and awake time per database.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { HAVE_SQLITE3, commit, databaseFile, makePage, startServer, storageQuery } from "./helpers.mjs";

let s;
before(async () => {
  s = await startServer();
});
after(async () => {
  await s?.stop();
});

const PS = 4096;
const billing = async (db) => {
  const r = await s.api("GET", `/v1/databases/${db}`);
  assert.equal(r.status, 200, r.text);
  return r.json.billing;
};
// Alarms (GC, the counters' own flush) are billed requests too, but one may fire at any moment:
// a difference counts what the operation caused, so it leaves them out.
const minus = (a, b) => ({
  ...Object.fromEntries(["webSocketMessages", "rowsRead", "rowsWritten"].map((k) => [k, a[k] - b[k]])),
  requests: a.requests - a.alarms - (b.requests - b.alarms),
});

/** Units of `op` alone: the billing difference around it, less what one info request costs. */
async function unitsOf(db, op) {
  const a = await billing(db);
  const b = await billing(db);
  await op();
  const c = await billing(db);
  const info = minus(b, a);
  const d = minus(c, b);
  return Object.fromEntries(Object.keys(d).map((k) => [k, d[k] - info[k]]));
}

async function dbWithPages(name, n) {
  assert.equal((await s.api("PUT", `/v1/databases/${name}`)).status, 201);
  const pages = [];
  for (let p = 1; p <= n; p++) pages.push({ pgno: p, data: makePage(PS, p, p) });
  const r = await commit(s, name, { base: 0, pageCount: n, pageSize: PS, pages });
  assert.equal(r.status, 200, r.text);
  return r.json.version;
}

test("a new database reports zeroed-in billing with stored bytes", async () => {
  assert.equal((await s.api("PUT", "/v1/databases/b0")).status, 201);
  const b = await billing("b0");
  for (const k of ["requests", "webSocketMessages", "rowsRead", "rowsWritten", "storedBytes", "awakeMs"]) assert.equal(typeof b[k], "number", k);
  assert.ok(b.requests >= 2, "the create and the info are requests");
  assert.ok(b.storedBytes > 0);
});

test("a warm changes?since read is one request and writes nothing", async () => {
  const v = await dbWithPages("b1", 20);
  const u = await unitsOf("b1", async () => {
    const r = await s.api("GET", `/v1/databases/b1/changes?since=${v}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.changed, []);
  });
  console.log("changes?since (warm):", u);
  assert.equal(u.requests, 1);
  assert.equal(u.webSocketMessages, 0);
  assert.equal(u.rowsWritten, 0, "a pure read must not write (not even its counters)");
  // the meta row is remembered between transactions (storage.ts): a version check reads no row
  assert.equal(u.rowsRead, 0, `rows read ${u.rowsRead}`);
});

test("a 1-page commit writes a small number of rows, independent of the database's size", async () => {
  const written = {};
  for (const [name, n] of [["small", 3], ["large", 1500]]) {
    const v = await dbWithPages(name, n);
    // The first commit after the bulk one may collect garbage; measure a steady one.
    let base = v;
    for (let i = 0; i < 2; i++) {
      const r = await commit(s, name, { base, pageCount: n, pageSize: PS, pages: [{ pgno: 2, data: makePage(PS, 2, 100 + i) }] });
      assert.equal(r.status, 200, r.text);
      base = r.json.version;
    }
    const u = await unitsOf(name, async () => {
      const r = await commit(s, name, { base, pageCount: n, pageSize: PS, pages: [{ pgno: 2, data: makePage(PS, 2, 999) }] });
      assert.equal(r.status, 200, r.text);
    });
    console.log(`1-page commit, ${n}-page database:`, u);
    assert.equal(u.requests, 1);
    written[name] = u.rowsWritten;
    assert.ok(u.rowsWritten <= 12, `rows written ${u.rowsWritten}`);
  }
  assert.equal(written.small, written.large, "rows written must not depend on the database's size");
});

test("the rows a 1-page commit reads do not grow with the commits before it (remembered keys)", async () => {
  const v = await dbWithPages("keys", 3);
  let base = v;
  const readAt = {};
  for (const n of [20, 1200]) {
    // past 1,000 versions the oldest keys become candidates for forgetting, but all are younger
    // than a day: each commit used to read every one of them again
    while (base < n) {
      const r = await commit(s, "keys", { base, pageCount: 3, pageSize: PS, pages: [{ pgno: 2, data: makePage(PS, 2, base) }] });
      assert.equal(r.status, 200, r.text);
      base = r.json.version;
    }
    const u = await unitsOf("keys", async () => {
      const r = await commit(s, "keys", { base, pageCount: 3, pageSize: PS, pages: [{ pgno: 2, data: makePage(PS, 2, 5000) }] });
      assert.equal(r.status, 200, r.text);
      base = r.json.version;
    });
    console.log(`1-page commit after ${n} commits:`, u);
    readAt[n] = u.rowsRead;
  }
  assert.ok(readAt[1200] <= readAt[20] + 4, `rows read after 1,200 commits ${readAt[1200]}, after 20 ${readAt[20]}`);
});

test("counters survive a restart of the object (persisted with commits)", async () => {
  const v = await dbWithPages("b2", 4);
  const before = await billing("b2");
  const r = await commit(s, "b2", { base: v, pageCount: 4, pageSize: PS, pages: [{ pgno: 1, data: makePage(PS, 1, 7) }] });
  assert.equal(r.status, 200, r.text);
  await s.stop();
  s = await startServer({ dataDir: s.dataDir });
  const after = await billing("b2");
  assert.ok(after.requests >= before.requests + 1);
  assert.ok(after.rowsWritten > before.rowsWritten);
  assert.ok(after.awakeMs >= 0);
});

test("with history collected as it is superseded, a 1-page commit still writes a bounded number of rows", async () => {
  // Steady state of a busy database: every commit also deletes the image it superseded.
  const prev = s;
  s = await startServer({ args: ["--retain-ms", "0", "--retain-versions", "1"] });
  try {
    const v = await dbWithPages("gc", 50);
    let base = v;
    for (let i = 0; i < 3; i++) {
      const r = await commit(s, "gc", { base, pageCount: 50, pageSize: PS, pages: [{ pgno: 2, data: makePage(PS, 2, 200 + i) }] });
      base = r.json.version;
    }
    const u = await unitsOf("gc", async () => {
      const r = await commit(s, "gc", { base, pageCount: 50, pageSize: PS, pages: [{ pgno: 2, data: makePage(PS, 2, 999) }] });
      assert.equal(r.status, 200, r.text);
    });
    console.log("1-page commit with garbage collection:", u);
    assert.ok(u.rowsWritten <= 20, `rows written ${u.rowsWritten}`);
  } finally {
    await s.stop();
    s = prev;
  }
});

test("a Durable Object from before billing gets its counters added", { skip: HAVE_SQLITE3 ? false : "the sqlite3 tool is not installed" }, async () => {
  const v = await dbWithPages("old", 3);
  const prev = s;
  await s.stop();
  const file = databaseFile(s.dataDir, "old");
  // The meta row as it was before billing.ts.
  const cols = ["b_requests", "b_ws_messages", "b_rows_read", "b_rows_written", "b_awake_ms"];
  execFileSync("sqlite3", [file, cols.map((c) => `ALTER TABLE meta DROP COLUMN ${c};`).join(" ")]);
  s = await startServer({ dataDir: prev.dataDir });
  const r = await commit(s, "old", { base: v, pageCount: 3, pageSize: PS, pages: [{ pgno: 3, data: makePage(PS, 3, 5) }] });
  assert.equal(r.status, 200, r.text);
  const b = await billing("old");
  assert.ok(b.requests >= 2 && b.rowsWritten > 0, JSON.stringify(b));
  const names = storageQuery(file, "SELECT name FROM pragma_table_info('meta')").map((c) => c.name);
  for (const c of cols) assert.ok(names.includes(c), c);
});

test("rows read by a commit do not grow with the number of commits still retained", async () => {
  let base = await dbWithPages("many", 3);
  const one = async () => {
    const r = await commit(s, "many", { base, pageCount: 3, pageSize: PS, pages: [{ pgno: 2, data: makePage(PS, 2, base) }] });
    assert.equal(r.status, 200, r.text);
    base = r.json.version;
  };
  await one();
  const early = await unitsOf("many", one);
  for (let i = 0; i < 100; i++) await one(); // all within the 10-minute retention
  const late = await unitsOf("many", one);
  console.log("1-page commit after 2 / 102 retained commits:", early.rowsRead, late.rowsRead);
  assert.ok(late.rowsRead <= early.rowsRead + 10, `rows read grew from ${early.rowsRead} to ${late.rowsRead}`);
});

test("the counts of a database that only serves reads reach storage when it goes idle", { skip: HAVE_SQLITE3 ? false : "the sqlite3 tool is not installed" }, async () => {
  // Nothing commits, so nothing else would persist them before an idle object is evicted.
  const prev = s;
  s = await startServer({ args: ["--billing-flush-ms", "200"] });
  try {
    const v = await dbWithPages("idle", 3);
    const file = databaseFile(s.dataDir, "idle");
    const persisted = () => storageQuery(file, "SELECT b_requests AS requests, b_alarms AS alarms, b_awake_ms AS awakeMs FROM meta")[0];
    const atCommit = persisted();
    for (let i = 0; i < 3; i++) assert.equal((await s.api("POST", "/v1/databases/idle/read", { body: { version: v, pages: [1, 2] } })).status, 200);
    const deadline = Date.now() + 30_000;
    let now = persisted();
    // the 3 reads and a flush alarm after them (the commit's own flush may land first)
    const done = (u) => u.alarms > atCommit.alarms && u.requests >= atCommit.requests + 4;
    while (!done(now) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100)); // polling the file, not the object: that would wake it
      now = persisted();
    }
    assert.ok(now.alarms > atCommit.alarms, `no flush alarm ran after the reads: ${JSON.stringify(now)}`);
    // the 3 reads and the alarm itself; the awake stretch is counted to the end of its idle tail
    assert.ok(now.requests >= atCommit.requests + 4, `${JSON.stringify(atCommit)} -> ${JSON.stringify(now)}`);
    assert.ok(now.awakeMs >= 10_000, `awake ${now.awakeMs} ms`);
    await s.kill9();
    s = await startServer({ dataDir: s.dataDir, args: ["--billing-flush-ms", "200"] });
    const b = await billing("idle");
    assert.ok(b.requests >= now.requests + 1, `after a restart: ${JSON.stringify(b)}`);
  } finally {
    await s.stop();
    s = prev;
  }
});

// History: the log, reads at a time, the retention window and its byte bound, forks that share
// pages with their origin, restore. Against real workerd through serve.mjs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { commit, makePage, parseFrames, readPages, startServer } from "./helpers.mjs";

const PS = 4096;
let s;
before(async () => {
  s = await startServer({ args: ["--retention", "1h", "--retain-versions", "2"] });
});
after(async () => {
  await s?.stop();
});

const info = async (db) => (await s.api("GET", `/v1/databases/${db}`)).json;
const page = async (db, v, pgno) => {
  const r = await readPages(s, db, v, [pgno]);
  assert.equal(r.status, 200, r.text);
  return parseFrames(r.bytes, PS)[0].data;
};

/** A database of `n` pages at version 1, then `extra` commits each rewriting page 2. */
async function seed(db, n, extra = 0) {
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } })).status, 201);
  const pages = [];
  for (let p = 1; p <= n; p++) pages.push({ pgno: p, data: makePage(PS, p, 1) });
  assert.equal((await commit(s, db, { base: 0, pageCount: n, pages })).status, 200);
  for (let v = 2; v <= extra + 1; v++) {
    assert.equal((await commit(s, db, { base: v - 1, pageCount: n, pages: [{ pgno: 2, data: makePage(PS, 2, v) }] })).status, 200);
  }
}

test("the log lists retained versions with time, size and pages written; at= finds the version of a time", async () => {
  await seed("h1", 3, 2);
  const log = await s.api("GET", "/v1/databases/h1/history");
  assert.equal(log.status, 200, log.text);
  assert.deepEqual(log.json.versions.map((v) => v.version), [3, 2, 1, 0]);
  assert.equal(log.json.versions[0].pagesWritten, 1);
  assert.equal(log.json.versions[2].pagesWritten, 3);
  assert.equal(log.json.versions[0].bytes, 3 * PS);
  assert.equal(log.json.retentionMs, 3_600_000);
  const t2 = log.json.versions[1].time;
  const at = await s.api("GET", `/v1/databases/h1/history?at=${encodeURIComponent(t2)}`);
  assert.equal(at.json.versions[0].version >= 2, true);
  const future = await s.api("GET", `/v1/databases/h1/history?at=${Date.now() + 3_600_000}`);
  assert.equal(future.status, 400);
  assert.equal(future.json.error, "bad_time");
  const past = await s.api("GET", "/v1/databases/h1/history?at=2020-01-01T00:00:00Z");
  assert.equal(past.status, 410);
  assert.equal(past.json.error, "history_expired");
  assert.match(past.json.message, /history is kept for 1 hour/);
  assert.equal(past.json.retentionMs, 3_600_000);
});

test("restore makes an old version current as a new commit, keeping the versions between", async () => {
  await seed("h2", 4, 3); // v1..v4; page 2 differs in each
  // shrink to 2 pages at v5, so restore must bring pages 3 and 4 back
  assert.equal((await commit(s, "h2", { base: 4, pageCount: 2, pages: [{ pgno: 1, data: makePage(PS, 1, 5) }] })).status, 200);
  const before = await s.api("GET", "/v1/databases/h2/export?version=2");
  const r = await s.api("POST", "/v1/databases/h2/restore", { body: { version: 2 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.version, 6);
  assert.equal(r.json.restoredFrom, 2);
  assert.equal(r.json.pages, 4, "pages 1 and 2 changed since v2, 3 and 4 were shrunk away");
  const now = await s.api("GET", "/v1/databases/h2/export");
  assert.equal(now.headers.get("X-Dosqlite-Version"), "6");
  assert.deepEqual(now.bytes, before.bytes, "the restored version exports byte for byte as version 2");
  assert.deepEqual(await page("h2", 4, 2), makePage(PS, 2, 4), "the versions in between stay readable");
  const again = await s.api("POST", "/v1/databases/h2/restore", { body: { at: "2020-01-01T00:00:00Z" } });
  assert.equal(again.status, 410);
  assert.match(again.json.message, /history is kept for/);
});

test("a fork shares the origin's pages, stores only what it writes, and diverges independently", async () => {
  await seed("origin", 200, 2); // 800 KiB of pages; page 2 rewritten at v2, v3
  const originBytes = (await info("origin")).billing.storedBytes;
  const f = await s.api("POST", "/v1/databases/origin/fork", { body: { name: "branch", version: 2 } });
  assert.equal(f.status, 201, f.text);
  assert.equal(f.json.version, 2);
  assert.deepEqual(f.json.forkOf, { name: "origin", version: 2 });
  const forkBytes = (await info("branch")).billing.storedBytes;
  assert.ok(forkBytes < 200 * PS / 4, `an empty fork stores no pages (${forkBytes} bytes for an origin of ${originBytes})`);
  assert.deepEqual(await page("branch", 2, 2), makePage(PS, 2, 2), "the fork reads the origin at the fork version");
  assert.deepEqual(await page("branch", 2, 150), makePage(PS, 150, 1));
  // both diverge: the fork writes pages 5 and 6, the origin writes page 5 differently
  assert.equal((await commit(s, "branch", { base: 2, pageCount: 200, pages: [5, 6].map((p) => ({ pgno: p, data: makePage(PS, p, 77) })) })).status, 200);
  assert.equal((await commit(s, "origin", { base: 3, pageCount: 200, pages: [{ pgno: 5, data: makePage(PS, 5, 99) }] })).status, 200);
  assert.deepEqual(await page("branch", 3, 5), makePage(PS, 5, 77));
  assert.deepEqual(await page("branch", 3, 2), makePage(PS, 2, 2), "not the origin's later page 2");
  assert.deepEqual(await page("origin", 4, 5), makePage(PS, 5, 99));
  assert.deepEqual(await page("origin", 4, 6), makePage(PS, 6, 1), "the fork's write did not reach the origin");
  const grown = (await info("branch")).billing.storedBytes - forkBytes;
  assert.ok(grown <= 6 * PS, `the fork grew by ${grown} bytes for 2 changed pages`);
  // the export of the fork is the whole database: shared and own pages
  const ex = await s.api("GET", "/v1/databases/branch/export");
  assert.equal(ex.bytes.length, 200 * PS);
  assert.deepEqual(ex.bytes.subarray(4 * PS, 5 * PS), makePage(PS, 5, 77));
  assert.deepEqual(ex.bytes.subarray(99 * PS, 100 * PS), makePage(PS, 100, 1));
  // a patch commit on a page the fork shares: the base is the origin's image
  const interior = await s.api("GET", "/v1/databases/branch/interior");
  assert.equal(interior.status, 200);
  assert.equal(interior.headers.get("X-Dosqlite-Page-Count"), "200");
});

test("the origin keeps the fork's version past its history window, and cannot be deleted under its forks", async () => {
  await seed("o2", 4, 4); // v1..v5, retain-versions 2 keeps only v4, v5 once the hour is not needed
  const f = await s.api("POST", "/v1/databases/o2/fork", { body: { name: "b2", version: 3 } });
  assert.equal(f.status, 201, f.text);
  const again = await s.api("POST", "/v1/databases/o2/fork", { body: { name: "b2", version: 3 } });
  assert.equal(again.status, 409);
  assert.equal(again.json.error, "already_exists");
  assert.match(again.json.message, /--force/);
  const del = await s.api("DELETE", "/v1/databases/o2");
  assert.equal(del.status, 409);
  assert.equal(del.json.error, "has_forks");
  const forced = await s.api("POST", "/v1/databases/o2/fork", { body: { name: "b2", version: 4, force: true } });
  assert.equal(forced.status, 201, forced.text);
  assert.deepEqual(await page("b2", 4, 2), makePage(PS, 2, 4));
  assert.equal((await s.api("DELETE", "/v1/databases/b2")).status, 204);
  assert.equal((await s.api("DELETE", "/v1/databases/o2")).status, 204, "no fork left");
  const list = (await s.api("GET", "/v1/databases")).json.databases.map((d) => d.name);
  assert.ok(!list.includes("b2") && !list.includes("o2"));
});

test("a fork outside the window is refused with the window named", async () => {
  await seed("o3", 2, 0);
  const r = await s.api("POST", "/v1/databases/o3/fork", { body: { name: "b3", at: "2020-01-01T00:00:00Z" } });
  assert.equal(r.status, 410);
  assert.match(r.json.message, /history is kept for 1 hour/);
  assert.equal((await s.api("GET", "/v1/databases/b3")).status, 404, "nothing was created");
});

test("?storage=split splits stored bytes into current pages, history and stages", async () => {
  await seed("split", 4, 3); // page 2 superseded 3 times: 3 old images of 4 KiB
  const plain = await info("split");
  assert.equal(plain.billing.storedHistoryBytes, undefined, "only on request");
  const r = await s.api("GET", "/v1/databases/split?storage=split");
  assert.equal(r.status, 200);
  const b = r.json.billing;
  assert.equal(b.storedHistoryBytes, 3 * PS);
  assert.equal(b.storedStageBytes, 0);
  assert.equal(b.storedPageBytes + b.storedHistoryBytes + b.storedStageBytes, b.storedBytes);
  assert.ok(b.storedPageBytes >= 4 * PS);
});

test("a fork of a fork reads through both origins", async () => {
  await seed("g0", 6, 1); // v1 all pages, v2 rewrites page 2
  assert.equal((await s.api("POST", "/v1/databases/g0/fork", { body: { name: "g1", version: 2 } })).status, 201);
  assert.equal((await commit(s, "g1", { base: 2, pageCount: 6, pages: [{ pgno: 3, data: makePage(PS, 3, 50) }] })).status, 200);
  const g2 = await s.api("POST", "/v1/databases/g1/fork", { body: { name: "g2" } });
  assert.equal(g2.status, 201, g2.text);
  assert.deepEqual(g2.json.forkOf, { name: "g1", version: 3 });
  assert.deepEqual(await page("g2", 3, 2), makePage(PS, 2, 2), "from g0 through g1");
  assert.deepEqual(await page("g2", 3, 3), makePage(PS, 3, 50), "from g1");
  const ex = await s.api("GET", "/v1/databases/g2/export");
  assert.equal(ex.bytes.length, 6 * PS);
  assert.equal((await s.api("DELETE", "/v1/databases/g1")).status, 409, "g2 reads from g1");
});

// MVCC retention and garbage collection, with retention shortened through serve.mjs options.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { commit, frames, makePage, newKey, parseFrames, readPages, startServer } from "./helpers.mjs";

const RETAIN_MS = 1500;
let s;
before(async () => {
  s = await startServer({ args: ["--retain-ms", String(RETAIN_MS), "--retain-versions", "3", "--idem-keys", "2", "--idem-ms", "0", "--stage-ttl-ms", "1000"] });
});
after(async () => {
  await s?.stop();
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const info = async (db) => (await s.api("GET", `/v1/databases/${db}`)).json;

test("GC keeps what readers need and answers 410 beyond retention", async () => {
  const db = "gc1";
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: 512 } })).status, 201);
  const keys = [];
  // v1 writes pages 1..3; v2..v6 rewrite page 1 only; page 3 is dropped at v4 and re-grown at v5
  for (let v = 1; v <= 6; v++) {
    const pages = v === 1 ? [1, 2, 3] : [1];
    const count = v === 4 ? 2 : 3;
    const key = newKey();
    keys.push(key);
    const r = await commit(s, db, { base: v - 1, pageCount: count, key, pages: pages.map((p) => ({ pgno: p, data: makePage(512, p, v) })) });
    assert.equal(r.status, 200, r.text);
  }
  // within the time window every version is readable
  let inf = await info(db);
  assert.equal(inf.oldestReadableVersion, 0);
  for (let v = 1; v <= 6; v++) {
    const r = await readPages(s, db, v, [1]);
    assert.equal(r.status, 200, `v${v}: ${r.text}`);
    assert.deepEqual(parseFrames(r.bytes, 512)[0].data, makePage(512, 1, v));
  }
  await sleep(RETAIN_MS + 300);
  // time passed: only the last 3 versions (4, 5, 6) are kept; a commit runs the GC
  inf = await info(db);
  assert.equal(inf.oldestReadableVersion, 4);
  const c7 = await commit(s, db, { base: 6, pageCount: 3, pages: [{ pgno: 1, data: makePage(512, 1, 7) }] });
  assert.equal(c7.status, 200);
  inf = await info(db);
  assert.equal(inf.oldestReadableVersion, 5, "versions 5..7 are the last three");
  for (const v of [1, 3, 4]) {
    const r = await readPages(s, db, v, [1]);
    assert.equal(r.status, 410, `v${v}`);
    assert.equal(r.json.error, "snapshot_expired");
    assert.match(r.json.message, /retry the transaction/);
    assert.equal(r.json.oldestReadableVersion, 5);
  }
  const ex = await s.api("GET", `/v1/databases/${db}/export?version=2`);
  assert.equal(ex.status, 410);
  // what readers of versions 5..7 need survived the GC: page 2 (written only at v1), page 3 (zero after re-growth)
  for (const v of [5, 6, 7]) {
    const r = await readPages(s, db, v, [1, 2, 3]);
    assert.equal(r.status, 200, `v${v}: ${r.text}`);
    const f = parseFrames(r.bytes, 512);
    assert.deepEqual(f[0].data, makePage(512, 1, v));
    assert.deepEqual(f[1].data, makePage(512, 2, 1));
    assert.deepEqual(f[2].data, new Uint8Array(512), "page 3 was dropped at v4 and re-grown as zeros at v5");
  }
  // changes since a collected version is still right (page 3 re-grown at v5, page 1 rewritten)
  const ch = await s.api("GET", `/v1/databases/${db}/changes?since=1`);
  assert.equal(ch.status, 200);
  assert.deepEqual(ch.json.changed, [1, 3]);
  assert.equal(ch.json.complete, true);
  // idempotency keys: at least the last 2 are kept; with idem-ms 0 older ones are forgotten
  assert.equal((await s.api("GET", `/v1/databases/${db}/commits/${keys[0]}`)).status, 404);
  const k6 = await s.api("GET", `/v1/databases/${db}/commits/${keys[5]}`);
  assert.equal(k6.status, 200);
  assert.equal(k6.json.version, 6);
});

test("an export in progress keeps its version readable", async () => {
  const db = "gc2";
  const ps = 65536;
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: ps } })).status, 201);
  const pages = [];
  for (let p = 1; p <= 200; p++) pages.push({ pgno: p, data: makePage(ps, p, 1) });
  assert.equal((await commit(s, db, { base: 0, pageCount: 200, pages })).status, 200);
  const res = await fetch(`${s.url}/v1/databases/${db}/export?version=1`, { headers: { Authorization: `Bearer ${s.token}` } });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const first = await reader.read(); // the stream has started; version 1 is pinned
  let got = first.value.length;
  const chunks = [first.value];
  await sleep(RETAIN_MS + 300);
  for (let v = 1; v <= 4; v++) {
    const r = await commit(s, db, { base: v, pageCount: 200, pages: [{ pgno: 100 + v, data: makePage(ps, 100 + v, v + 1) }, { pgno: 1, data: makePage(ps, 1, v + 1) }] });
    assert.equal(r.status, 200);
  }
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
  }
  assert.equal(got, 200 * ps);
  const all = Buffer.concat(chunks);
  for (const p of [1, 101, 102, 103, 104, 200]) {
    assert.ok(all.subarray((p - 1) * ps, p * ps).equals(Buffer.from(makePage(ps, p, 1))), `page ${p} of the export is from version 1`);
  }
});

test("an unpublished stage expires; committing it then is 404 unknown_stage and writes nothing", async () => {
  const db = "gc3";
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: 512 } })).status, 201);
  const up = await s.api("POST", `/v1/databases/${db}/stage/old-stage`, { body: frames([{ pgno: 1, data: makePage(512, 1, 1) }]) });
  assert.equal(up.status, 200);
  const fresh = await s.api("POST", `/v1/databases/${db}/stage/fresh-stage`, { body: frames([{ pgno: 1, data: makePage(512, 1, 2) }]) });
  assert.equal(fresh.status, 200);
  await sleep(1300);
  const r = await commit(s, db, { base: 0, pageCount: 1, stage: "old-stage" });
  assert.equal(r.status, 404);
  assert.equal(r.json.error, "unknown_stage");
  assert.equal((await info(db)).version, 0);
  // an upload within the TTL keeps a stage alive
  const again = await s.api("POST", `/v1/databases/${db}/stage/kept`, { body: frames([{ pgno: 1, data: makePage(512, 1, 3) }]) });
  assert.equal(again.status, 200);
  const ok = await commit(s, db, { base: 0, pageCount: 1, stage: "kept" });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(parseFrames((await readPages(s, db, 1, [1])).bytes, 512)[0].data, makePage(512, 1, 3));
});

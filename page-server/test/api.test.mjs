// Protocol tests against a real workerd started through scripts/serve.mjs.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { api, commit, frames, makePage, newKey, pageCrc, parseFrames, readPages, sqliteFile, startServer } from "./helpers.mjs";

let s;
before(async () => {
  s = await startServer();
});
after(async () => {
  await s?.stop();
});

let dbCounter = 0;
async function createDb(pageSize, name = `db${++dbCounter}-${pageSize ?? "d"}`) {
  const r = await s.api("PUT", `/v1/databases/${name}`, pageSize ? { body: { pageSize } } : {});
  assert.equal(r.status, 201, r.text);
  return name;
}
const info = async (db) => (await s.api("GET", `/v1/databases/${db}`)).json;

describe("auth", () => {
  test("missing token is 401", async () => {
    const r = await s.api("GET", "/v1/databases", { auth: false });
    assert.equal(r.status, 401);
    assert.equal(r.json.error, "unauthorized");
    assert.match(r.json.message, /Authorization: Bearer/);
  });
  test("wrong token is 401", async () => {
    const r = await api(s.url, "not-the-token", "GET", "/v1/databases");
    assert.equal(r.status, 401);
    assert.equal(r.json.error, "unauthorized");
    const r2 = await api(s.url, s.token + "x", "PUT", "/v1/databases/x1");
    assert.equal(r2.status, 401);
    assert.equal((await s.api("GET", "/v1/databases/x1")).status, 404, "a refused request must not create anything");
  });
  test("a refused upload still gets its answer (401, 4xx from the database), not a broken pipe", async () => {
    // The server answers before reading the body; unless it reads the rest, the client's upload
    // hits a closed socket and never sees the status that says what to fix.
    const db = await createDb(1024);
    const big = new Uint8Array(8 * 1024 * 1024);
    for (let i = 0; i < 5; i++) {
      const noAuth = await fetch(`${s.url}/v1/databases/${db}/stage/st${i}?pageSize=1024`, { method: "POST", body: big });
      assert.equal(noAuth.status, 401);
      assert.equal((await noAuth.json()).error, "unauthorized");
      const missing = await fetch(`${s.url}/v1/databases/nosuchdb${i}/stage/st${i}?pageSize=1024`, { method: "POST", headers: { Authorization: `Bearer ${s.token}` }, body: big });
      assert.equal(missing.status, 404);
      assert.equal((await missing.json()).error, "not_found");
    }
  });
  test("wrong scheme is 401, right token is 200", async () => {
    const r = await s.api("GET", "/v1/databases", { auth: false, headers: { Authorization: `Basic ${s.token}` } });
    assert.equal(r.status, 401);
    assert.equal((await s.api("GET", "/v1/databases")).status, 200);
  });
  test("unknown routes also need the token", async () => {
    assert.equal((await s.api("GET", "/nope", { auth: false })).status, 401);
  });
});

describe("catalog", () => {
  test("create, info, list, delete", async () => {
    const r1 = await s.api("PUT", "/v1/databases/cat.A_1-x", { body: { pageSize: 1024 } });
    assert.equal(r1.status, 201);
    const { incarnation, ...rest } = r1.json;
    assert.deepEqual(rest, { name: "cat.A_1-x", pageSize: 1024, pageCount: 0, version: 0, oldestReadableVersion: 0 });
    assert.match(incarnation, /^[0-9]+$/);
    const r2 = await s.api("PUT", "/v1/databases/cat.A_1-x");
    assert.equal(r2.status, 200);
    assert.equal(r2.json.pageSize, 1024);
    const d = await s.api("PUT", "/v1/databases/cat-default");
    assert.equal(d.status, 201);
    assert.equal(d.json.pageSize, 4096);
    const list = await s.api("GET", "/v1/databases");
    assert.equal(list.status, 200);
    const names = list.json.databases.map((x) => x.name);
    assert.ok(names.includes("cat.A_1-x") && names.includes("cat-default"));
    assert.deepEqual(list.json.databases.find((x) => x.name === "cat.A_1-x"), { name: "cat.A_1-x", pageSize: 1024, pageCount: 0, version: 0 });
    const del = await s.api("DELETE", "/v1/databases/cat-default");
    assert.equal(del.status, 204);
    const gone = await s.api("GET", "/v1/databases/cat-default");
    assert.equal(gone.status, 404, gone.text);
    assert.equal((await s.api("DELETE", "/v1/databases/cat-default")).status, 404);
    const list2 = await s.api("GET", "/v1/databases");
    assert.ok(!list2.json.databases.map((x) => x.name).includes("cat-default"));
  });
  test("delete drops all pages; a re-created database starts empty", async () => {
    const db = await createDb(512);
    assert.equal((await commit(s, db, { base: 0, pageCount: 1, pages: [{ pgno: 1, data: makePage(512, 1, 1) }] })).status, 200);
    const before = (await s.api("GET", `/v1/databases/${db}/changes?since=0`)).json;
    assert.match(before.incarnation, /^[0-9]+$/);
    assert.equal((await s.api("DELETE", `/v1/databases/${db}`)).status, 204);
    assert.equal((await s.api("DELETE", `/v1/databases/${db}`)).status, 404);
    const r = await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: 512 } });
    assert.equal(r.status, 201);
    assert.equal(r.json.version, 0);
    assert.notEqual(r.json.incarnation, before.incarnation, "a re-created database has a new incarnation");
    assert.equal(r.json.pageCount, 0);
    assert.equal((await readPages(s, db, 0, [1])).status, 400);
  });
  test("missing database is 404 not_found on every endpoint", async () => {
    for (const [m, p, body] of [
      ["GET", "/v1/databases/missing-db", undefined],
      ["GET", "/v1/databases/missing-db/changes?since=0", undefined],
      ["POST", "/v1/databases/missing-db/read", { version: 0, pages: [] }],
      ["GET", "/v1/databases/missing-db/interior", undefined],
      ["GET", "/v1/databases/missing-db/export", undefined],
    ]) {
      const r = await s.api(m, p, { body });
      assert.equal(r.status, 404, `${m} ${p}`);
      assert.equal(r.json.error, "not_found");
      assert.match(r.json.message, /PUT \/v1\/databases/);
    }
    const c = await commit(s, "missing-db", { base: 0, pageCount: 0 });
    assert.equal(c.status, 404);
  });
  test("bad names are 400 invalid_name", async () => {
    for (const bad of ["-x", ".x", "a".repeat(64), "bad%20name", "b%C3%A4d", "a:b"]) {
      const r = await s.api("PUT", `/v1/databases/${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.json.error, "invalid_name");
      assert.match(r.json.message, /1-63 characters/);
    }
    assert.equal((await s.api("PUT", `/v1/databases/${"a".repeat(63)}`)).status, 201);
  });
  test("bad page sizes are 400 invalid_page_size", async () => {
    for (const ps of [0, 256, 1000, 131072, "4096", 4096.5]) {
      const r = await s.api("PUT", "/v1/databases/ps-bad", { body: { pageSize: ps } });
      assert.equal(r.status, 400, String(ps));
      assert.equal(r.json.error, "invalid_page_size");
    }
    assert.equal((await s.api("GET", "/v1/databases/ps-bad")).status, 404);
    const r = await s.api("PUT", "/v1/databases/ps-bad", { body: "{not json" });
    assert.equal(r.status, 400);
  });
});

async function roundTrip(pageSize, n) {
  const db = await createDb(pageSize);
  const pages = [];
  for (let p = 1; p <= n; p++) pages.push({ pgno: p, data: makePage(pageSize, p, 7) });
  const c = await commit(s, db, { base: 0, pageCount: n, pages });
  assert.equal(c.status, 200, c.text);
  assert.deepEqual(c.json, { version: 1, pageCount: n, pages: n });
  const inf = await info(db);
  assert.equal(inf.version, 1);
  assert.equal(inf.pageCount, n);
  assert.equal(inf.pageSize, pageSize);
  for (let first = 1; first <= n; first += 256) {
    const want = [];
    for (let p = first; p <= Math.min(n, first + 255); p++) want.push(p);
    want.reverse(); // the order asked is the order answered
    const r = await readPages(s, db, 1, want);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get("x-dosqlite-version"), "1");
    assert.equal(r.headers.get("x-dosqlite-page-size"), String(pageSize));
    const got = parseFrames(r.bytes, pageSize);
    assert.deepEqual(got.map((f) => f.pgno), want);
    for (const f of got) assert.deepEqual(f.data, pages[f.pgno - 1].data);
  }
  return db;
}

describe("commit and read", () => {
  test("a commit read from an earlier life of the database is refused even when its base matches", async () => {
    const db = await roundTrip(4096, 2);
    const before = (await s.api("GET", `/v1/databases/${db}`)).json;
    assert.ok(before.incarnation, "info names the incarnation");
    assert.equal((await s.api("DELETE", `/v1/databases/${db}`)).status, 204);
    await new Promise((r) => setTimeout(r, 5)); // a new life gets a new creation time
    assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: 4096 } })).status, 201);
    const now = (await s.api("GET", `/v1/databases/${db}`)).json;
    assert.notEqual(now.incarnation, before.incarnation);
    const first = await commit(s, db, { base: 0, pageCount: 1, incarnation: now.incarnation, pages: [{ pgno: 1, data: makePage(4096, 1, 3) }] });
    assert.equal(first.status, 200, first.text);
    const stale = await commit(s, db, { base: 1, pageCount: 1, incarnation: before.incarnation, pages: [{ pgno: 1, data: makePage(4096, 1, 4) }] });
    assert.equal(stale.status, 409, stale.text);
    assert.equal(stale.json.error, "conflict");
    const page = parseFrames((await readPages(s, db, 1, [1])).bytes, 4096)[0].data;
    assert.deepEqual(page, makePage(4096, 1, 3), "the new life is untouched");
  });
  test("round trip at page size 512", async () => {
    await roundTrip(512, 300);
  });
  test("round trip at page size 65536", async () => {
    await roundTrip(65536, 40);
  });
  test("round trip at default page size, then shrink and grow", async () => {
    const db = await roundTrip(4096, 10);
    // shrink to 4 pages, rewriting page 1
    const c = await commit(s, db, { base: 1, pageCount: 4, pages: [{ pgno: 1, data: makePage(4096, 1, 8) }] });
    assert.equal(c.status, 200, c.text);
    assert.deepEqual(c.json, { version: 2, pageCount: 4, pages: 1 });
    assert.equal((await readPages(s, db, 2, [5])).json.error, "page_out_of_range");
    // the old version still has 10 pages
    const old = await readPages(s, db, 1, [10]);
    assert.equal(old.status, 200);
    assert.deepEqual(parseFrames(old.bytes, 4096)[0].data, makePage(4096, 10, 7));
    // grow to 6 writing only page 6: page 5 reads as zeros, not as its pre-shrink image
    const g = await commit(s, db, { base: 2, pageCount: 6, pages: [{ pgno: 6, data: makePage(4096, 6, 9) }] });
    assert.equal(g.status, 200, g.text);
    const r = parseFrames((await readPages(s, db, 3, [5, 6, 4])).bytes, 4096);
    assert.deepEqual(r[0].data, new Uint8Array(4096));
    assert.deepEqual(r[1].data, makePage(4096, 6, 9));
    assert.deepEqual(r[2].data, makePage(4096, 4, 7));
    // shrink again, then grow writing only a page below the old count: pages 5, 6 read as zeros
    assert.equal((await commit(s, db, { base: 3, pageCount: 4, pages: [] })).status, 200);
    assert.equal((await commit(s, db, { base: 4, pageCount: 6, pages: [{ pgno: 2, data: makePage(4096, 2, 10) }] })).status, 200);
    const z = parseFrames((await readPages(s, db, 5, [5, 6, 2])).bytes, 4096);
    assert.deepEqual(z.map((f) => f.data), [new Uint8Array(4096), new Uint8Array(4096), makePage(4096, 2, 10)]);
    assert.deepEqual((await s.api("GET", `/v1/databases/${db}/changes?since=4`)).json.changed, [2, 5, 6]);
  });
  test("empty commit still makes a version; empty read answers nothing", async () => {
    const db = await createDb(512);
    const c = await commit(s, db, { base: 0, pageCount: 0 });
    assert.equal(c.status, 200);
    assert.deepEqual(c.json, { version: 1, pageCount: 0, pages: 0 });
    const r = await readPages(s, db, 1, []);
    assert.equal(r.status, 200);
    assert.equal(r.bytes.length, 0);
  });
  test("read without version reads the current version", async () => {
    const db = await roundTrip(512, 2);
    const r = await s.api("POST", `/v1/databases/${db}/read`, { body: { pages: [2] } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-dosqlite-version"), "1");
    assert.equal(r.headers.get("x-dosqlite-current-version"), "1");
  });
  test("a read at an older version says which version is current", async () => {
    const db = await roundTrip(512, 2);
    const page = { pgno: 2, data: makePage(512, 2, 9) };
    assert.equal((await commit(s, db, { base: 1, pageCount: 2, pages: [page] })).status, 200);
    const r = await readPages(s, db, 1, [2]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get("x-dosqlite-version"), "1");
    assert.equal(r.headers.get("x-dosqlite-current-version"), "2");
  });
  test("page size may change while the database has no pages, then it is fixed", async () => {
    const db = await createDb(4096);
    const c = await commit(s, db, { base: 0, pageCount: 1, pageSize: 1024, pages: [{ pgno: 1, data: makePage(1024, 1, 1) }] });
    assert.equal(c.status, 200, c.text);
    assert.equal((await info(db)).pageSize, 1024);
    const bad = await commit(s, db, { base: 1, pageCount: 1, pageSize: 2048, pages: [{ pgno: 1, data: makePage(2048, 1, 1) }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, "page_size_mismatch");
    assert.equal((await info(db)).version, 1);
  });
});

describe("conflicts", () => {
  test("two commits on one base: one wins, the other is 409 and writes nothing", async () => {
    const db = await createDb(1024);
    assert.equal((await commit(s, db, { base: 0, pageCount: 2, pages: [1, 2].map((p) => ({ pgno: p, data: makePage(1024, p, 0) })) })).status, 200);
    const a = commit(s, db, { base: 1, pageCount: 3, pages: [1, 3].map((p) => ({ pgno: p, data: makePage(1024, p, 100) })) });
    const b = commit(s, db, { base: 1, pageCount: 4, pages: [2, 3, 4].map((p) => ({ pgno: p, data: makePage(1024, p, 200) })) });
    const [ra, rb] = await Promise.all([a, b]);
    const statuses = [ra.status, rb.status].sort();
    assert.deepEqual(statuses, [200, 409]);
    const [win, lose, winSeed, winCount] = ra.status === 200 ? [ra, rb, 100, 3] : [rb, ra, 200, 4];
    assert.equal(lose.json.error, "conflict");
    assert.equal(lose.json.version, 2);
    assert.match(lose.json.message, /retry the transaction/);
    assert.equal(win.json.version, 2);
    const inf = await info(db);
    assert.equal(inf.version, 2);
    assert.equal(inf.pageCount, winCount);
    // page 3 holds the winner's image, nothing of the loser
    const r = parseFrames((await readPages(s, db, 2, [3])).bytes, 1024);
    assert.deepEqual(r[0].data, makePage(1024, 3, winSeed));
    const p1 = parseFrames((await readPages(s, db, 2, [1, 2])).bytes, 1024);
    assert.deepEqual(p1[0].data, makePage(1024, 1, winSeed === 100 ? 100 : 0));
    assert.deepEqual(p1[1].data, makePage(1024, 2, winSeed === 200 ? 200 : 0));
  });
  test("stale base is 409 with the current version", async () => {
    const db = await createDb(512);
    assert.equal((await commit(s, db, { base: 0, pageCount: 0 })).status, 200);
    const r = await commit(s, db, { base: 0, pageCount: 0 });
    assert.equal(r.status, 409);
    assert.equal(r.json.version, 1);
    const r2 = await commit(s, db, { base: 5, pageCount: 0 });
    assert.equal(r2.status, 409);
  });
});

describe("no lost update", () => {
  test("8 concurrent read-modify-write clients: every increment lands exactly once", async () => {
    const db = await createDb(512);
    const counterPage = (n) => {
      const d = makePage(512, 1, 0);
      new DataView(d.buffer).setUint32(200, n);
      return d;
    };
    assert.equal((await commit(s, db, { base: 0, pageCount: 1, pages: [{ pgno: 1, data: counterPage(0) }] })).status, 200);
    let conflicts = 0;
    const worker = async () => {
      for (let i = 0; i < 10; i++) {
        for (;;) {
          const v = (await info(db)).version;
          const r = await readPages(s, db, v, [1]);
          if (r.status === 410) continue;
          const cur = new DataView(parseFrames(r.bytes, 512)[0].data.buffer).getUint32(200);
          const c = await commit(s, db, { base: v, pageCount: 1, pages: [{ pgno: 1, data: counterPage(cur + 1) }] });
          if (c.status === 200) break;
          assert.equal(c.status, 409, c.text);
          conflicts++;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const inf = await info(db);
    assert.equal(inf.version, 81);
    const final = new DataView(parseFrames((await readPages(s, db, 81, [1])).bytes, 512)[0].data.buffer).getUint32(200);
    assert.equal(final, 80);
    assert.ok(conflicts > 0, "the clients did race");
  });
});

describe("idempotency", () => {
  test("same key replays the original answer; older keys are remembered too", async () => {
    const db = await createDb(512);
    const pages = [{ pgno: 1, data: makePage(512, 1, 1) }];
    const k1 = newKey("first");
    const c1 = await commit(s, db, { base: 0, pageCount: 1, pages, key: k1 });
    assert.equal(c1.status, 200);
    assert.equal(c1.headers.get("x-dosqlite-replayed"), null);
    const again = await commit(s, db, { base: 0, pageCount: 1, pages, key: k1 });
    assert.equal(again.status, 200);
    assert.equal(again.headers.get("x-dosqlite-replayed"), "true");
    assert.deepEqual(again.json, c1.json);
    assert.equal((await info(db)).version, 1, "a replay must not apply twice");
    for (let v = 1; v <= 4; v++) {
      assert.equal((await commit(s, db, { base: v, pageCount: 1, pages: [{ pgno: 1, data: makePage(512, 1, v + 1) }] })).status, 200);
    }
    const late = await commit(s, db, { base: 0, pageCount: 1, pages, key: k1 });
    assert.equal(late.status, 200, "a key older than the last one is still remembered (base is stale now)");
    assert.equal(late.headers.get("x-dosqlite-replayed"), "true");
    assert.deepEqual(late.json, { version: 1, pageCount: 1, pages: 1 });
    assert.equal((await info(db)).version, 5);
    const st = await s.api("GET", `/v1/databases/${db}/commits/${k1}`);
    assert.equal(st.status, 200);
    assert.deepEqual(st.json, { version: 1, pageCount: 1, pages: 1 });
    const un = await s.api("GET", `/v1/databases/${db}/commits/never-sent`);
    assert.equal(un.status, 404);
    assert.equal(un.json.error, "unknown_key");
    const reused = await commit(s, db, { base: 5, pageCount: 1, pages, key: k1 });
    assert.equal(reused.status, 422);
    assert.equal(reused.json.error, "key_reused");
  });
  test("a refused commit does not burn its key", async () => {
    const db = await createDb(512);
    const k = newKey();
    assert.equal((await commit(s, db, { base: 3, pageCount: 0, key: k })).status, 409);
    assert.equal((await s.api("GET", `/v1/databases/${db}/commits/${k}`)).status, 404);
    const ok = await commit(s, db, { base: 0, pageCount: 0, key: k });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("x-dosqlite-replayed"), null);
  });
  test("missing or malformed Idempotency-Key is 400", async () => {
    const db = await createDb(512);
    const r = await s.api("POST", `/v1/databases/${db}/commit?base=0&pageCount=0`, { body: new Uint8Array(0) });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, "bad_idempotency_key");
    const r2 = await commit(s, db, { base: 0, pageCount: 0, key: "has space" });
    assert.equal(r2.status, 400);
    const r3 = await commit(s, db, { base: 0, pageCount: 0, key: "x".repeat(101) });
    assert.equal(r3.status, 400);
    assert.equal((await info(db)).version, 0);
  });
});

describe("snapshots and changes", () => {
  test("a version stays readable while other commits land", async () => {
    const db = await createDb(512);
    assert.equal((await commit(s, db, { base: 0, pageCount: 3, pages: [1, 2, 3].map((p) => ({ pgno: p, data: makePage(512, p, 1) })) })).status, 200);
    // reader pins version 1 and reads page 1
    const r1 = parseFrames((await readPages(s, db, 1, [1])).bytes, 512);
    assert.deepEqual(r1[0].data, makePage(512, 1, 1));
    // writers land versions 2 and 3 touching pages 2 and 3, one shrinks
    assert.equal((await commit(s, db, { base: 1, pageCount: 3, pages: [{ pgno: 2, data: makePage(512, 2, 2) }] })).status, 200);
    assert.equal((await commit(s, db, { base: 2, pageCount: 2, pages: [{ pgno: 1, data: makePage(512, 1, 3) }] })).status, 200);
    // the reader continues at version 1: sees only version-1 images, including the dropped page 3
    const r2 = parseFrames((await readPages(s, db, 1, [2, 3, 1])).bytes, 512);
    assert.deepEqual(r2.map((f) => f.data), [makePage(512, 2, 1), makePage(512, 3, 1), makePage(512, 1, 1)]);
    const r3 = parseFrames((await readPages(s, db, 2, [1, 2, 3])).bytes, 512);
    assert.deepEqual(r3.map((f) => f.data), [makePage(512, 1, 1), makePage(512, 2, 2), makePage(512, 3, 1)]);
    const now = await readPages(s, db, 3, [1, 2]);
    assert.deepEqual(parseFrames(now.bytes, 512).map((f) => f.data), [makePage(512, 1, 3), makePage(512, 2, 2)]);
    assert.equal((await readPages(s, db, 3, [3])).json.error, "page_out_of_range");
    const future = await readPages(s, db, 4, [1]);
    assert.equal(future.status, 400);
    assert.equal(future.json.error, "bad_version");
  });
  test("changes?since lists every page written since V", async () => {
    const db = await createDb(512);
    const w = (base, count, pgnos) => commit(s, db, { base, pageCount: count, pages: pgnos.map((p) => ({ pgno: p, data: makePage(512, p, base) })) });
    assert.equal((await w(0, 3, [1, 2, 3])).status, 200);
    assert.equal((await w(1, 7, [7, 2])).status, 200); // grows: 4..6 become zero pages
    assert.equal((await w(2, 7, [3])).status, 200);
    const ch = async (since) => (await s.api("GET", `/v1/databases/${db}/changes?since=${since}`));
    const c0 = await ch(0);
    assert.equal(c0.status, 200);
    const inc = (await info(db)).incarnation;
    assert.deepEqual(c0.json, { version: 3, pageSize: 512, pageCount: 7, incarnation: inc, changed: [1, 2, 3, 4, 5, 6, 7], complete: true });
    assert.deepEqual((await ch(1)).json.changed, [2, 3, 4, 5, 6, 7]);
    assert.deepEqual((await ch(2)).json.changed, [3]);
    assert.deepEqual((await ch(3)).json, { version: 3, pageSize: 512, pageCount: 7, incarnation: inc, changed: [], complete: true });
    const ahead = await ch(9);
    assert.equal(ahead.json.complete, false);
    for (const bad of ["", "-1", "abc", "1.5"]) {
      const r = await ch(bad);
      assert.equal(r.status, 400, `since=${bad}`);
      assert.equal(r.json.error, "bad_version");
    }
  });
  test("changes beyond 10,000 pages answers complete:false", async () => {
    const db = await createDb(512);
    // one commit of 10,001 pages (5.2 MB)
    const pages = [];
    for (let p = 1; p <= 10001; p++) pages.push({ pgno: p, data: makePage(512, p, 1) });
    assert.equal((await commit(s, db, { base: 0, pageCount: 10001, pages })).status, 200);
    const r = await s.api("GET", `/v1/databases/${db}/changes?since=0`);
    assert.equal(r.json.complete, false);
    assert.deepEqual(r.json.changed, []);
    assert.equal(r.json.pageCount, 10001);
  });
});

describe("interior pages", () => {
  test("answers page 1 then interior b-tree pages of the version, bounded by maxBytes", async () => {
    const db = await createDb(1024);
    const kinds = { 1: 0x05, 2: 0x02, 3: 0x0d, 4: 0x05, 5: 0x0a, 6: 0x00, 7: 0x02 };
    const pages = Object.entries(kinds).map(([p, k]) => ({ pgno: Number(p), data: makePage(1024, Number(p), 1, k) }));
    assert.equal((await commit(s, db, { base: 0, pageCount: 7, pages })).status, 200);
    // version 2: page 4 becomes a leaf, page 3 becomes interior; version 3 drops page 7
    assert.equal((await commit(s, db, { base: 1, pageCount: 7, pages: [{ pgno: 4, data: makePage(1024, 4, 2, 0x0d) }, { pgno: 3, data: makePage(1024, 3, 2, 0x05) }] })).status, 200);
    assert.equal((await commit(s, db, { base: 2, pageCount: 6, pages: [] })).status, 200);
    const get = async (q) => {
      const r = await s.api("GET", `/v1/databases/${db}/interior${q}`);
      assert.equal(r.status, 200, r.text);
      return { r, f: parseFrames(r.bytes, 1024) };
    };
    const v1 = await get("?version=1");
    assert.deepEqual(v1.f.map((x) => x.pgno), [1, 2, 4, 7]);
    assert.equal(v1.r.headers.get("x-dosqlite-version"), "1");
    assert.deepEqual(v1.f[2].data, pages[3].data);
    const v2 = await get("?version=2");
    assert.deepEqual(v2.f.map((x) => x.pgno), [1, 2, 3, 7]);
    assert.deepEqual(v2.f[2].data, makePage(1024, 3, 2, 0x05));
    const cur = await get("");
    assert.deepEqual(cur.f.map((x) => x.pgno), [1, 2, 3]);
    assert.equal(cur.r.headers.get("x-dosqlite-version"), "3");
    // enough to open the database with this one request
    const info = (await s.api("GET", `/v1/databases/${db}`)).json;
    assert.equal(cur.r.headers.get("x-dosqlite-page-count"), "6");
    assert.equal(cur.r.headers.get("x-dosqlite-incarnation"), info.incarnation);
    assert.equal(v1.r.headers.get("x-dosqlite-page-count"), "7");
    const small = await get(`?version=2&maxBytes=${2 * 1032 + 1031}`);
    assert.deepEqual(small.f.map((x) => x.pgno), [1, 2]);
    const none = await get("?maxBytes=100");
    assert.equal(none.f.length, 0);
    const bad = await s.api("GET", `/v1/databases/${db}/interior?version=9`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, "bad_version");
  });
  test("empty database answers no frames", async () => {
    const db = await createDb(512);
    const r = await s.api("GET", `/v1/databases/${db}/interior`);
    assert.equal(r.status, 200);
    assert.equal(r.bytes.length, 0);
    assert.equal(r.headers.get("x-dosqlite-page-count"), "0");
    assert.equal(r.headers.get("x-dosqlite-page-size"), "512");
  });
});

describe("staged commits", () => {
  test("a commit larger than one request goes through stages and is published atomically", async () => {
    const ps = 65536;
    const db = await createDb(ps);
    const N = 600; // 600 x 64 KiB = 39 MB: more than one 32 MiB request holds
    const stageId = `st-${Date.now()}`;
    const page = (p) => makePage(ps, p, 5);
    for (const [a, b] of [[1, 300], [301, 600]]) {
      const pages = [];
      for (let p = a; p <= b; p++) pages.push({ pgno: p, data: page(p) });
      const r = await s.api("POST", `/v1/databases/${db}/stage/${stageId}?pageSize=${ps}`, { body: frames(pages) });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { stageId, pages: b });
    }
    // invisible before the commit
    assert.equal((await info(db)).version, 0);
    assert.deepEqual((await s.api("GET", `/v1/databases/${db}/changes?since=0`)).json.changed, []);
    // the body overrides staged page 5
    const c = await commit(s, db, { base: 0, pageCount: N, pageSize: ps, stage: stageId, pages: [{ pgno: 5, data: makePage(ps, 5, 6) }] });
    assert.equal(c.status, 200, c.text);
    assert.deepEqual(c.json, { version: 1, pageCount: N, pages: N });
    const r = parseFrames((await readPages(s, db, 1, [1, 5, 300, 301, 600])).bytes, ps);
    assert.deepEqual(r.map((f) => f.data), [page(1), makePage(ps, 5, 6), page(300), page(301), page(600)]);
    // the stage was consumed
    const again = await commit(s, db, { base: 1, pageCount: N, stage: stageId });
    assert.equal(again.status, 404);
    assert.equal(again.json.error, "unknown_stage");
  });
  test("unknown stage is 404 and writes nothing; bad stage page is refused", async () => {
    const db = await createDb(512);
    const r = await commit(s, db, { base: 0, pageCount: 1, stage: "nope", pages: [{ pgno: 1, data: makePage(512, 1, 1) }] });
    assert.equal(r.status, 404);
    assert.equal(r.json.error, "unknown_stage");
    assert.equal((await info(db)).version, 0);
    const bad = await s.api("POST", `/v1/databases/${db}/stage/s1`, { body: frames([{ pgno: 1, data: makePage(512, 1, 1), crc: 1 }]) });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, "bad_checksum");
    const badId = await s.api("POST", `/v1/databases/${db}/stage/${"x".repeat(65)}`, { body: new Uint8Array(0) });
    assert.equal(badId.status, 400);
    // staged page beyond the commit's pageCount
    assert.equal((await s.api("POST", `/v1/databases/${db}/stage/s2`, { body: frames([{ pgno: 3, data: makePage(512, 3, 1) }]) })).status, 200);
    const oor = await commit(s, db, { base: 0, pageCount: 2, stage: "s2" });
    assert.equal(oor.status, 400);
    assert.equal(oor.json.error, "page_out_of_range");
    assert.equal((await info(db)).version, 0);
  });
});

describe("limits and bad input", () => {
  let db;
  before(async () => {
    db = await createDb(512);
    assert.equal((await commit(s, db, { base: 0, pageCount: 2, pages: [1, 2].map((p) => ({ pgno: p, data: makePage(512, p, 1) })) })).status, 200);
  });
  const unchanged = async () => {
    const i = await info(db);
    assert.equal(i.version, 1);
    assert.equal(i.pageCount, 2);
  };
  test("bad checksum: 400, nothing written", async () => {
    const good = { pgno: 1, data: makePage(512, 1, 2) };
    const bad = { pgno: 2, data: makePage(512, 2, 2), crc: pageCrc(3, makePage(512, 2, 2)) }; // crc of the wrong page number
    const r = await commit(s, db, { base: 1, pageCount: 2, pages: [good, bad] });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, "bad_checksum");
    assert.match(r.json.message, /page 2/);
    await unchanged();
    assert.deepEqual(parseFrames((await readPages(s, db, 1, [1])).bytes, 512)[0].data, makePage(512, 1, 1));
  });
  test("page out of range in a commit: 400, nothing written", async () => {
    for (const pgno of [3, 0]) {
      const r = await commit(s, db, { base: 1, pageCount: 2, pages: [{ pgno: 1, data: makePage(512, 1, 3) }, { pgno, data: makePage(512, pgno, 3) }] });
      assert.equal(r.status, 400);
      assert.equal(r.json.error, "page_out_of_range");
    }
    await unchanged();
  });
  test("truncated frame: 400 bad_frame", async () => {
    const body = frames([{ pgno: 1, data: makePage(512, 1, 3) }]).subarray(0, 300);
    const r = await commit(s, db, { base: 1, pageCount: 2, body });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, "bad_frame");
    await unchanged();
  });
  test("page size mismatch and invalid page size", async () => {
    const r = await commit(s, db, { base: 1, pageCount: 2, pageSize: 1024, pages: [{ pgno: 1, data: makePage(1024, 1, 3) }] });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, "page_size_mismatch");
    const r2 = await commit(s, db, { base: 1, pageCount: 2, pageSize: 1000, pages: [] });
    assert.equal(r2.status, 400);
    assert.equal(r2.json.error, "invalid_page_size");
    await unchanged();
  });
  test("bad versions and parameters", async () => {
    for (const q of ["base=x&pageCount=1", "pageCount=1", "base=-1&pageCount=1", "base=1", "base=1&pageCount=abc", "base=1&pageCount=99999999999"]) {
      const r = await s.api("POST", `/v1/databases/${db}/commit?${q}`, { body: new Uint8Array(0), headers: { "Idempotency-Key": newKey() } });
      assert.equal(r.status, 400, q);
      assert.ok(r.json.message.length > 10);
    }
    for (const body of [{ version: -1, pages: [1] }, { version: "1", pages: [1] }, { version: 7, pages: [1] }]) {
      const r = await readPages(s, db, body.version, body.pages);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error, "bad_version");
    }
    const nopages = await s.api("POST", `/v1/databases/${db}/read`, { body: { version: 1 } });
    assert.equal(nopages.status, 400);
    const notjson = await s.api("POST", `/v1/databases/${db}/read`, { body: "nope" });
    assert.equal(notjson.status, 400);
    for (const p of [0, 3, -1, 1.5, "1"]) {
      const r = await readPages(s, db, 1, [p]);
      assert.equal(r.status, 400, String(p));
      assert.equal(r.json.error, "page_out_of_range");
    }
    const ex = await s.api("GET", `/v1/databases/${db}/export?version=5`);
    assert.equal(ex.status, 400);
    assert.equal(ex.json.error, "bad_version");
  });
  test("too many pages in one read: 413; up to 4096 pages (read protocol 2, announced) are served", async () => {
    const r = await readPages(s, db, 1, Array.from({ length: 4097 }, () => 1));
    assert.equal(r.status, 413);
    assert.equal(r.json.error, "too_many_pages");
    const ok = await readPages(s, db, 1, Array.from({ length: 4096 }, (_, i) => (i % 2) + 1));
    assert.equal(ok.status, 200);
    assert.equal(ok.bytes.length, 4096 * 520);
    assert.equal(ok.headers.get("x-dosqlite-max-read-pages"), "4096");
    const intr = await s.api("GET", `/v1/databases/${db}/interior`);
    assert.equal(intr.headers.get("x-dosqlite-max-read-pages"), "4096");
  });
  test("oversized body: 413 body_too_large, nothing written", async () => {
    const big = new Uint8Array(32 * 1024 * 1024 + 520); // a whole number of 520-byte frames, > 32 MiB
    const r = await commit(s, db, { base: 1, pageCount: 2, body: big });
    assert.equal(r.status, 413);
    assert.equal(r.json.error, "body_too_large");
    assert.match(r.json.message, /stage/);
    await unchanged();
    const imp = await s.api("PUT", `/v1/databases/${db}/import`, { body: big });
    assert.equal(imp.status, 413);
    await unchanged();
  });
  test("non-SQLite import: 400 not_sqlite, nothing written or created", async () => {
    const cases = [
      new TextEncoder().encode("hello, this is not a database".repeat(40)),
      new Uint8Array(0),
      (() => { const f = sqliteFile(1024, 3); return f.subarray(0, 2500); })(), // length not a multiple of the page size
      (() => { const f = sqliteFile(1024, 3); new DataView(f.buffer).setUint32(28, 5); return f; })(), // header count lies
      (() => { const f = sqliteFile(1024, 3); new DataView(f.buffer).setUint16(16, 1000); return f; })(), // bad page size
      (() => { const f = sqliteFile(1024, 3); f[18] = 2; f[19] = 2; return f; })(), // WAL
    ];
    for (const body of cases) {
      const r = await s.api("PUT", "/v1/databases/not-sqlite/import", { body });
      assert.equal(r.status, 400);
      assert.equal(r.json.error, "not_sqlite");
      assert.match(r.json.message, /Nothing was written/);
      const r2 = await s.api("PUT", `/v1/databases/${db}/import`, { body });
      assert.equal(r2.status, 400);
    }
    assert.equal((await s.api("GET", "/v1/databases/not-sqlite")).status, 404);
    await unchanged();
  });
  test("unknown route is 404, wrong method is 405", async () => {
    for (const p of ["/", "/v2/databases", "/v1/nope", `/v1/databases/${db}/nope`, `/v1/databases/${db}/commits`, `/v1/databases/${db}/a/b/c`]) {
      const r = await s.api("GET", p);
      assert.equal(r.status, 404, p);
      assert.equal(r.json.error, "unknown_route");
    }
    for (const [m, p, allow] of [
      ["POST", "/v1/databases", "GET"],
      ["POST", `/v1/databases/${db}`, "GET, PUT, DELETE"],
      ["GET", `/v1/databases/${db}/read`, "POST"],
      ["GET", `/v1/databases/${db}/commit`, "POST"],
      ["PUT", `/v1/databases/${db}/changes`, "GET"],
      ["POST", `/v1/databases/${db}/import`, "PUT"],
      ["GET", `/v1/databases/${db}/stage/x`, "POST"],
    ]) {
      const r = await s.api(m, p);
      assert.equal(r.status, 405, `${m} ${p}`);
      assert.equal(r.json.error, "method_not_allowed");
      assert.equal(r.headers.get("allow"), allow);
    }
    await unchanged();
  });
});

describe("import and export", () => {
  test("export is byte-identical to the import, at the current and at an older version", async () => {
    for (const [ps, n] of [[1024, 20], [65536, 3], [512, 1]]) {
      const name = `imp-${ps}`;
      const file = sqliteFile(ps, n);
      const r = await s.api("PUT", `/v1/databases/${name}/import`, { body: file });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { version: 1, pageCount: n, pageSize: ps });
      assert.ok((await s.api("GET", "/v1/databases")).json.databases.some((d) => d.name === name), "import registers the database");
      const ex = await s.api("GET", `/v1/databases/${name}/export`);
      assert.equal(ex.status, 200);
      assert.equal(ex.headers.get("content-type"), "application/vnd.sqlite3");
      assert.equal(ex.headers.get("content-length"), String(ps * n));
      assert.equal(ex.headers.get("x-dosqlite-version"), "1");
      assert.ok(Buffer.from(ex.bytes).equals(Buffer.from(file)), `export differs at page size ${ps}`);
    }
    // a second import replaces the content as one commit (with base check); the old version is still exportable
    const file2 = sqliteFile(1024, 5);
    file2[200] = 42;
    const stale = await s.api("PUT", `/v1/databases/imp-1024/import?base=0`, { body: file2 });
    assert.equal(stale.status, 409);
    const r = await s.api("PUT", `/v1/databases/imp-1024/import?base=1`, { body: file2 });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { version: 2, pageCount: 5, pageSize: 1024 });
    const cur = await s.api("GET", "/v1/databases/imp-1024/export");
    assert.ok(Buffer.from(cur.bytes).equals(Buffer.from(file2)));
    const old = await s.api("GET", "/v1/databases/imp-1024/export?version=1");
    assert.equal(old.headers.get("content-length"), String(1024 * 20));
    assert.ok(Buffer.from(old.bytes).equals(Buffer.from(sqliteFile(1024, 20))));
    // page size of an existing database with pages cannot change through import
    const other = await s.api("PUT", `/v1/databases/imp-1024/import`, { body: sqliteFile(4096, 2) });
    assert.equal(other.status, 400);
    assert.equal(other.json.error, "page_size_mismatch");
  });
  test("export of a multi-MiB database streams it whole", async () => {
    const file = sqliteFile(4096, 3000); // 12 MB, several stream batches
    assert.equal((await s.api("PUT", "/v1/databases/imp-big/import", { body: file })).status, 200);
    const ex = await s.api("GET", "/v1/databases/imp-big/export");
    assert.equal(ex.bytes.length, file.length);
    assert.ok(Buffer.from(ex.bytes).equals(Buffer.from(file)));
  });
  test("pages written by commit export as a file", async () => {
    const db = await createDb(512);
    const f = sqliteFile(512, 4);
    const pages = [1, 2, 3, 4].map((p) => ({ pgno: p, data: f.subarray((p - 1) * 512, p * 512) }));
    assert.equal((await commit(s, db, { base: 0, pageCount: 4, pages })).status, 200);
    const ex = await s.api("GET", `/v1/databases/${db}/export`);
    assert.ok(Buffer.from(ex.bytes).equals(Buffer.from(f)));
  });
  test("empty database exports zero bytes", async () => {
    const db = await createDb(512);
    const ex = await s.api("GET", `/v1/databases/${db}/export`);
    assert.equal(ex.status, 200);
    assert.equal(ex.bytes.length, 0);
  });
});

// The history window's byte bound: old page images beyond it are compacted away, newest kept.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { commit, makePage, readPages, startServer } from "./helpers.mjs";

const PS = 65536;
let s;
before(async () => {
  s = await startServer({ args: ["--retention", "7d", "--retention-bytes", "1MB", "--retain-versions", "2"] });
});
after(async () => {
  await s?.stop();
});

test("history beyond --retention-bytes is compacted, oldest first, and reads there name the window", async () => {
  const db = "bytes";
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } })).status, 201);
  // 30 versions each rewriting 2 pages of 64 KiB: 3.75 MiB of history, 4 times the bound
  for (let v = 1; v <= 30; v++) {
    const r = await commit(s, db, { base: v - 1, pageCount: 2, pages: [1, 2].map((p) => ({ pgno: p, data: makePage(PS, p, v) })) });
    assert.equal(r.status, 200, r.text);
  }
  const inf = (await s.api("GET", `/v1/databases/${db}`)).json;
  assert.ok(inf.oldestReadableVersion > 15, `oldest readable ${inf.oldestReadableVersion}`);
  assert.ok(inf.oldestReadableVersion <= 24, "about 1 MiB of old images (8 versions) is kept");
  assert.ok(inf.billing.storedBytes < 3 * 1024 * 1024, `stored ${inf.billing.storedBytes}`);
  const old = await readPages(s, db, 3, [1]);
  assert.equal(old.status, 410);
  assert.match(old.json.message, /at most 1 MiB of old page images/);
  const ok = await readPages(s, db, inf.oldestReadableVersion, [1, 2]);
  assert.equal(ok.status, 200);
});

test("compaction keeps the images a fork's version sees, and only those", async () => {
  const z = await startServer({ args: ["--retention", "0", "--retain-versions", "2"] });
  try {
    const ps = 4096;
    assert.equal((await z.api("PUT", "/v1/databases/o", { body: { pageSize: ps } })).status, 201);
    const pages = [1, 2, 3].map((p) => ({ pgno: p, data: makePage(ps, p, 1) }));
    assert.equal((await commit(z, "o", { base: 0, pageCount: 3, pages })).status, 200);
    assert.equal((await commit(z, "o", { base: 1, pageCount: 3, pages: [{ pgno: 2, data: makePage(ps, 2, 2) }] })).status, 200);
    const f = await z.api("POST", "/v1/databases/o/fork", { body: { name: "f", version: 2 } });
    assert.equal(f.status, 201, f.text);
    for (let v = 3; v <= 8; v++) {
      assert.equal((await commit(z, "o", { base: v - 1, pageCount: 3, pages: [2, 3].map((p) => ({ pgno: p, data: makePage(ps, p, v) })) })).status, 200);
    }
    const o = (await z.api("GET", "/v1/databases/o")).json;
    assert.equal(o.oldestReadableVersion, 7, "the origin's own window moved on");
    assert.equal((await readPages(z, "o", 4, [2])).status, 410, "versions between are compacted");
    const r = await readPages(z, "f", 2, [1, 2, 3]);
    assert.equal(r.status, 200, r.text);
    const { parseFrames } = await import("./helpers.mjs");
    const got = parseFrames(r.bytes, ps).map((x) => x.data);
    assert.deepEqual(got, [makePage(ps, 1, 1), makePage(ps, 2, 2), makePage(ps, 3, 1)]);
    // a patch commit on a page the fork shares applies to the origin's image at the fork version
    const patched = makePage(ps, 3, 1);
    patched[10] = 0xab;
    const { pageCrc } = await import("./helpers.mjs");
    const body = new Uint8Array(12 + 4 + 1);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, 3);
    dv.setUint32(4, pageCrc(3, patched));
    dv.setUint32(8, 5);
    dv.setUint16(12, 10);
    dv.setUint16(14, 1);
    body[16] = 0xab;
    const c = await z.api("POST", "/v1/databases/f/commit?base=2&pageCount=3&frames=patch", { body, headers: { "Idempotency-Key": "patch1" } });
    assert.equal(c.status, 200, c.text);
    const after = parseFrames((await readPages(z, "f", 3, [3])).bytes, ps)[0].data;
    assert.deepEqual(after, patched);
  } finally {
    await z.stop();
  }
});

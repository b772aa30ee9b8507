// Commit bodies in the patch format (/commit?frames=patch), against a real workerd.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { commit, makePage, newKey, pageCrc, parseFrames, readPages, startServer } from "./helpers.mjs";

let s;
before(async () => {
  s = await startServer();
});
after(async () => {
  await s?.stop();
});

const PS = 1024;
let n = 0;
async function dbWithPages(count) {
  const db = `patch${++n}`;
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } })).status, 201);
  const pages = [];
  for (let p = 1; p <= count; p++) pages.push({ pgno: p, data: makePage(PS, p, 1) });
  assert.equal((await commit(s, db, { base: 0, pageCount: count, pages })).status, 200);
  return { db, pages };
}

/** A patch frame written independently of the server's decoder. runs: [[offset, bytes]] or whole page. */
function patchFrame(pgno, result, runs) {
  const parts = [];
  if (runs === "whole") {
    parts.push(result);
  } else {
    for (const [at, bytes] of runs) {
      const h = new Uint8Array(4);
      new DataView(h.buffer).setUint16(0, at);
      new DataView(h.buffer).setUint16(2, bytes.length);
      parts.push(h, bytes);
    }
  }
  const len = parts.reduce((a, b) => a + b.length, 0);
  const f = new Uint8Array(12 + len);
  const dv = new DataView(f.buffer);
  dv.setUint32(0, pgno);
  dv.setUint32(4, pageCrc(pgno, result));
  dv.setUint32(8, len);
  let off = 12;
  for (const p of parts) {
    f.set(p, off);
    off += p.length;
  }
  return f;
}
const concat = (...fs) => {
  const out = new Uint8Array(fs.reduce((a, b) => a + b.length, 0));
  let off = 0;
  for (const f of fs) {
    out.set(f, off);
    off += f.length;
  }
  return out;
};
function patched(page, runs) {
  const r = page.slice();
  for (const [at, bytes] of runs) r.set(bytes, at);
  return r;
}
const patchCommit = (db, o) =>
  s.api("POST", `/v1/databases/${db}/commit?base=${o.base}&pageCount=${o.pageCount}&frames=patch`, {
    body: o.body,
    headers: { "Idempotency-Key": o.key ?? newKey(), "Content-Type": "application/octet-stream" },
  });
async function pagesAt(db, version, pgnos) {
  const r = await readPages(s, db, version, pgnos);
  assert.equal(r.status, 200, r.text);
  return parseFrames(r.bytes, PS).map((f) => f.data);
}

describe("patch commits", () => {
  test("changed bytes are applied to the base version's pages; whole and new pages too", async () => {
    const { db, pages } = await dbWithPages(3);
    const runs1 = [[24, new Uint8Array([1, 2, 3, 4])], [92, new Uint8Array([9, 9])]];
    const runs3 = [[0, new Uint8Array([0x0d])], [1000, new Uint8Array(24).fill(7)]];
    const p1 = patched(pages[0].data, runs1);
    const p3 = patched(pages[2].data, runs3);
    const p2 = makePage(PS, 2, 5);
    const p5 = patched(new Uint8Array(PS), [[10, new Uint8Array([5, 5, 5])]]); // beyond the old end: base is zeros
    const body = concat(patchFrame(1, p1, runs1), patchFrame(2, p2, "whole"), patchFrame(3, p3, runs3),
      patchFrame(5, p5, [[10, new Uint8Array([5, 5, 5])]]));
    assert.ok(body.length < 2 * PS, "far smaller than four whole frames");
    const r = await patchCommit(db, { base: 1, pageCount: 5, body });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.version, 2);
    assert.deepEqual(await pagesAt(db, 2, [1, 2, 3, 4, 5]), [p1, p2, p3, new Uint8Array(PS), p5]);
    assert.deepEqual(await pagesAt(db, 1, [1, 2, 3]), pages.map((p) => p.data), "the old version is untouched");
  });

  test("a patch against a different image fails its checksum and writes nothing", async () => {
    const { db, pages } = await dbWithPages(2);
    const runs = [[50, new Uint8Array([1, 2, 3])]];
    const meant = patched(makePage(PS, 2, 77), runs); // the client believed page 2 was something else
    const r = await patchCommit(db, { base: 1, pageCount: 2, body: patchFrame(2, meant, runs) });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, "bad_checksum");
    const i = (await s.api("GET", `/v1/databases/${db}`)).json;
    assert.equal(i.version, 1);
    assert.deepEqual(await pagesAt(db, 1, [2]), [pages[1].data]);
  });

  test("a stale base is 409 before the body is decoded", async () => {
    const { db, pages } = await dbWithPages(2);
    assert.equal((await commit(s, db, { base: 1, pageCount: 2, pages: [{ pgno: 2, data: makePage(PS, 2, 3) }] })).status, 200);
    const runs = [[7, new Uint8Array([1])]];
    const r = await patchCommit(db, { base: 1, pageCount: 2, body: patchFrame(2, patched(pages[1].data, runs), runs) });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error, "conflict");
  });

  test("malformed patch frames are 400 bad_frame and write nothing", async () => {
    const { db, pages } = await dbWithPages(2);
    const good = patchFrame(2, patched(pages[1].data, [[7, new Uint8Array([1])]]), [[7, new Uint8Array([1])]]);
    const cases = {
      "cut header": good.subarray(0, 10),
      "length past the body": good.subarray(0, good.length - 1),
      "run past the page": patchFrame(2, pages[1].data, [[PS - 2, new Uint8Array([1, 2, 3])]]),
      "empty run": patchFrame(2, pages[1].data, [[5, new Uint8Array(0)]]),
    };
    for (const [what, body] of Object.entries(cases)) {
      const r = await patchCommit(db, { base: 1, pageCount: 2, body });
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.equal(r.json.error, "bad_frame", what);
    }
    const unknown = await s.api("POST", `/v1/databases/${db}/commit?base=1&pageCount=2&frames=zip`, {
      body: good,
      headers: { "Idempotency-Key": newKey(), "Content-Type": "application/octet-stream" },
    });
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal((await s.api("GET", `/v1/databases/${db}`)).json.version, 1);
  });

  test("the same key replays a patch commit's answer without applying it twice", async () => {
    const { db, pages } = await dbWithPages(2);
    const runs = [[300, new Uint8Array([4, 4])]];
    const body = patchFrame(2, patched(pages[1].data, runs), runs);
    const key = newKey("patch");
    const a = await patchCommit(db, { base: 1, pageCount: 2, body, key });
    const b = await patchCommit(db, { base: 1, pageCount: 2, body, key });
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 200, b.text);
    assert.equal(b.headers.get("x-dosqlite-replayed"), "true");
    assert.equal(a.json.version, b.json.version);
    assert.equal((await s.api("GET", `/v1/databases/${db}`)).json.version, 2);
  });
});

// Compressed pages on the wire against a real workerd: gzip answers when accepted, gzip commit
// bodies, and refusal of bodies that are not gzip or inflate past the limit.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import zlib from "node:zlib";
import { commit, frames, parseFrames, startServer } from "./helpers.mjs";

let s;
before(async () => {
  s = await startServer();
});
after(async () => {
  await s?.stop();
});

/** A raw HTTP exchange (fetch would inflate behind our back): the bytes as they crossed the wire. */
function raw(method, p, { headers = {}, body } = {}) {
  const u = new URL(s.url + p);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: { Authorization: `Bearer ${s.token}`, ...headers } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, bytes: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A page like SQLite's: a few hundred bytes of rows, the rest zeros. */
function sqlitePage(size, pgno, seed) {
  const d = new Uint8Array(size);
  d[0] = 0x0d;
  const text = Buffer.from(`row ${seed} of page ${pgno}: the quick brown fox `.repeat(8));
  d.set(text.subarray(0, Math.min(text.length, size - 200)), size - 600);
  return d;
}

let n = 0;
async function newDb(pages) {
  const db = `gz${++n}`;
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: 4096 } })).status, 201);
  const c = await commit(s, db, { base: 0, pageCount: pages.length, pages });
  assert.equal(c.status, 200, c.text);
  return db;
}
const readBody = (pages) => JSON.stringify({ pages });

describe("compression", () => {
  test("page answers are gzipped when accepted, and their frames verify after inflation", async () => {
    const pages = [1, 2, 3, 4].map((p) => ({ pgno: p, data: sqlitePage(4096, p, 1) }));
    const db = await newDb(pages);
    const h = { "Content-Type": "application/json", "Accept-Encoding": "gzip" };
    const gz = await raw("POST", `/v1/databases/${db}/read`, { headers: h, body: readBody([1, 2, 3, 4]) });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers["content-encoding"], "gzip");
    const got = parseFrames(new Uint8Array(zlib.gunzipSync(gz.bytes)), 4096);
    assert.deepEqual(got.map((f) => Buffer.from(f.data)), pages.map((p) => Buffer.from(p.data)));
    assert.ok(gz.bytes.length * 10 < 4 * 4104, `gzip should pay on SQLite-like pages (${gz.bytes.length} B)`);

    const plain = await raw("POST", `/v1/databases/${db}/read`, { headers: { "Content-Type": "application/json" }, body: readBody([1, 2, 3, 4]) });
    assert.equal(plain.headers["content-encoding"], undefined, "an old client that asks for nothing gets identity");
    assert.equal(plain.bytes.length, 4 * 4104);
    const refused = await raw("POST", `/v1/databases/${db}/read`, { headers: { ...h, "Accept-Encoding": "gzip;q=0, identity" }, body: readBody([1]) });
    assert.equal(refused.headers["content-encoding"], undefined);

    const interior = await raw("GET", `/v1/databases/${db}/interior`, { headers: { "Accept-Encoding": "gzip" } });
    assert.equal(interior.headers["content-encoding"], "gzip");
    assert.equal(interior.headers["accept-encoding"], "gzip", "answers advertise gzip request bodies (RFC 7694)");
  });

  test("a gzip commit body is applied as its inflated frames", async () => {
    const db = await newDb([{ pgno: 1, data: sqlitePage(4096, 1, 1) }]);
    const pages = [1, 2, 3].map((p) => ({ pgno: p, data: sqlitePage(4096, p, 2) }));
    const body = zlib.gzipSync(frames(pages));
    const r = await raw("POST", `/v1/databases/${db}/commit?base=1&pageCount=3`, {
      headers: { "Content-Encoding": "gzip", "Idempotency-Key": "gz-commit-1", "Content-Type": "application/octet-stream" },
      body,
    });
    assert.equal(r.status, 200, r.bytes.toString());
    const back = await s.api("POST", `/v1/databases/${db}/read`, { body: { pages: [1, 2, 3] } });
    assert.deepEqual(parseFrames(back.bytes, 4096).map((f) => Buffer.from(f.data)), pages.map((p) => Buffer.from(p.data)));
  });

  test("bodies that are not gzip, inflate too far, or use another coding change nothing", async () => {
    const db = await newDb([{ pgno: 1, data: sqlitePage(4096, 1, 1) }]);
    const version = async () => (await s.api("GET", `/v1/databases/${db}`)).json.version;
    const post = (body, coding, key) =>
      raw("POST", `/v1/databases/${db}/commit?base=1&pageCount=1`, {
        headers: { "Content-Encoding": coding, "Idempotency-Key": key, "Content-Type": "application/octet-stream" },
        body,
      });
    const good = zlib.gzipSync(frames([{ pgno: 1, data: sqlitePage(4096, 1, 3) }]));
    const bad = await post(good.subarray(0, good.length - 9), "gzip", "gz-bad-1");
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.bytes).error, "bad_encoding");
    const bomb = await post(zlib.gzipSync(Buffer.alloc(40 * 1024 * 1024)), "gzip", "gz-bomb-1");
    assert.equal(bomb.status, 413);
    const br = await post(zlib.brotliCompressSync(frames([{ pgno: 1, data: sqlitePage(4096, 1, 3) }])), "br", "gz-br-1");
    assert.equal(br.status, 415);
    assert.equal(br.headers["accept-encoding"], "gzip");
    assert.equal(await version(), 1);
  });
});

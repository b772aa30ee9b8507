// /read with "overflowBytes" (read protocol 2): the overflow chains of the cells of the pages
// asked for come in the same answer, against a real workerd.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { commit, makePage, parseFrames, startServer } from "./helpers.mjs";

let s;
before(async () => {
  s = await startServer();
});
after(async () => {
  await s?.stop();
});

const PS = 1024;

/** Page 2: a table leaf with one 3,000-byte row; its payload continues on page 5, then page 3. */
async function dbWithOverflowRow() {
  const db = "overflow1";
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } })).status, 201);
  const p1 = makePage(PS, 1, 1);
  p1[20] = 0; // no reserved bytes: usable size = page size
  const leaf = new Uint8Array(PS);
  leaf[0] = 0x0d;
  leaf[4] = 1; // one cell
  leaf[9] = 24; // at offset 24
  leaf.set([0x97, 0x38, 0x01], 24); // payload size 3000 (varint), rowid 1
  // local part: minLocal 103 + (3000 - 103) % 1020 = 960 bytes, then the first overflow page
  new DataView(leaf.buffer).setUint32(24 + 3 + 960, 5);
  const o5 = makePage(PS, 5, 1);
  new DataView(o5.buffer).setUint32(0, 3);
  const o3 = makePage(PS, 3, 1);
  new DataView(o3.buffer).setUint32(0, 0); // end of the chain
  const pages = [
    { pgno: 1, data: p1 }, { pgno: 2, data: leaf }, { pgno: 3, data: o3 }, { pgno: 4, data: makePage(PS, 4, 1) }, { pgno: 5, data: o5 },
  ];
  assert.equal((await commit(s, db, { base: 0, pageCount: 5, pages })).status, 200);
  return db;
}

async function read(db, body) {
  return await s.api("POST", `/v1/databases/${db}/read`, { body });
}

test("overflow chains follow the pages asked for, within the byte budget", async () => {
  const db = await dbWithOverflowRow();
  const all = await read(db, { version: 1, pages: [2], overflowBytes: 1 << 20 });
  assert.equal(all.status, 200);
  assert.deepEqual(parseFrames(all.bytes, PS).map((f) => f.pgno), [2, 5, 3]);
  assert.equal(all.headers.get("x-dosqlite-overflow-pages"), "2");
  const one = await read(db, { version: 1, pages: [2], overflowBytes: PS });
  assert.deepEqual(parseFrames(one.bytes, PS).map((f) => f.pgno), [2, 5]);
  const none = await read(db, { version: 1, pages: [2] });
  assert.deepEqual(parseFrames(none.bytes, PS).map((f) => f.pgno), [2]);
  assert.equal(none.headers.get("x-dosqlite-overflow-pages"), null);
  // a page asked for is not repeated; pages that are not b-tree leaves have no chains
  const asked = await read(db, { version: 1, pages: [2, 5, 4], overflowBytes: 1 << 20 });
  assert.deepEqual(parseFrames(asked.bytes, PS).map((f) => f.pgno), [2, 5, 4, 3]);
  const bad = await read(db, { version: 1, pages: [2], overflowBytes: -1 });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error, "bad_request");
});

// Page-level conflict detection and pipelined (chain) commits, against a real workerd.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { commit, makePage, newKey, readPages, startServer } from "./helpers.mjs";

let s;
before(async () => {
  s = await startServer();
});
after(async () => {
  await s?.stop();
});

const PS = 1024;
let n = 0;
/** A database at version 1 with pages 1..4; page 1 carries change counter 1. */
async function fourPages() {
  const db = `pc${++n}`;
  assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } })).status, 201);
  const pages = [1, 2, 3, 4].map((p) => ({ pgno: p, data: makePage(PS, p, 0) }));
  pages[0].data = pageOne(1, 0);
  assert.equal((await commit(s, db, { base: 0, pageCount: 4, pages })).status, 200);
  return db;
}
/** Page 1 with `counter` in bytes 24-27 and 92-95, and `schema` as the schema cookie (40-43). */
function pageOne(counter, schema) {
  const d = makePage(PS, 1, 7);
  const dv = new DataView(d.buffer);
  dv.setUint32(24, counter);
  dv.setUint32(92, counter);
  dv.setUint32(40, schema);
  return d;
}
const counterOf = (d) => new DataView(d.buffer, d.byteOffset).getUint32(24);
async function page(db, version, pgno) {
  const r = await readPages(s, db, version, [pgno]);
  assert.equal(r.status, 200, r.text);
  return r.bytes.subarray(8, 8 + PS);
}

describe("page-level conflict detection", () => {
  test("a commit on an older base lands when its pages are untouched; page 1's counter moves past both", async () => {
    const db = await fourPages();
    const a = await commit(s, db, { base: 1, pageCount: 4, reads: [1, 2], pages: [{ pgno: 1, data: pageOne(2, 0) }, { pgno: 2, data: makePage(PS, 2, 1) }] });
    assert.equal(a.status, 200, a.text);
    const b = await commit(s, db, { base: 1, pageCount: 4, reads: [1, 3], pages: [{ pgno: 1, data: pageOne(2, 0) }, { pgno: 3, data: makePage(PS, 3, 2) }] });
    assert.equal(b.status, 200, b.text);
    assert.equal(b.json.version, 3);
    assert.deepEqual(b.json.changed, [1, 2]);
    assert.equal(b.json.counter, 3);
    assert.equal(counterOf(await page(db, 3, 1)), 3, "every commit changes the counter, so other SQLite caches reload");
    assert.deepEqual(await page(db, 3, 2), makePage(PS, 2, 1), "the first writer's page is kept");
    assert.deepEqual(await page(db, 3, 3), makePage(PS, 3, 2));
  });

  test("a commit that read a page someone else changed is refused (read-then-write, write skew)", async () => {
    const db = await fourPages();
    assert.equal((await commit(s, db, { base: 1, pageCount: 4, reads: [1, 2, 3], pages: [{ pgno: 1, data: pageOne(2, 0) }, { pgno: 2, data: makePage(PS, 2, 1) }] })).status, 200);
    // read page 2 and 3, wrote page 3: page 2 changed since its base
    const skew = await commit(s, db, { base: 1, pageCount: 4, reads: [1, 2, 3], pages: [{ pgno: 1, data: pageOne(2, 0) }, { pgno: 3, data: makePage(PS, 3, 9) }] });
    assert.equal(skew.status, 409, skew.text);
    assert.match(skew.json.message, /page 2/);
    const sameRow = await commit(s, db, { base: 1, pageCount: 4, reads: [1], pages: [{ pgno: 2, data: makePage(PS, 2, 9) }] });
    assert.equal(sameRow.status, 409, "a write to a page someone else changed is refused");
    assert.equal((await s.api("GET", `/v1/databases/${db}`)).json.version, 2);
  });

  test("a change of the schema cookie on page 1 is a real conflict; a client without reads= keeps the strict check", async () => {
    const db = await fourPages();
    assert.equal((await commit(s, db, { base: 1, pageCount: 4, reads: [1], pages: [{ pgno: 1, data: pageOne(2, 1) }] })).status, 200);
    const r = await commit(s, db, { base: 1, pageCount: 4, reads: [1, 3], pages: [{ pgno: 1, data: pageOne(2, 0) }, { pgno: 3, data: makePage(PS, 3, 2) }] });
    assert.equal(r.status, 409);
    assert.match(r.json.message, /page 1/);
    const old = await commit(s, db, { base: 1, pageCount: 4, pages: [{ pgno: 4, data: makePage(PS, 4, 2) }] });
    assert.equal(old.status, 409, "no reads= (an older client): the base must be current");
  });

  test("what versions wrote is not carried over to the same database deleted and created again", async () => {
    // The server remembers what each version wrote (and whether it changed page 1 beyond its
    // counters). Version numbers start again in a new life of the database, so a fact about the
    // old version 2 must not decide a commit checked against the new version 2.
    const db = await fourPages();
    const v2 = (pgno, schema) => commit(s, db, { base: 1, pageCount: 4, reads: [1], pages: [{ pgno: 1, data: pageOne(2, schema) }, { pgno, data: makePage(PS, pgno, 5) }] });
    const onOldBase = (reads, pgno) => commit(s, db, { base: 1, pageCount: 4, reads, pages: [{ pgno: 1, data: pageOne(2, 0) }, { pgno, data: makePage(PS, pgno, 6) }] });
    assert.equal((await v2(2, 0)).status, 200);
    assert.equal((await onOldBase([1, 3], 3)).status, 200, "old life: version 2 wrote page 2, not 3");
    assert.equal((await onOldBase([1, 2], 4)).status, 409, "old life: page 2 changed");

    assert.equal((await s.api("DELETE", `/v1/databases/${db}`)).status, 204);
    assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } })).status, 201);
    const pages = [1, 2, 3, 4].map((p) => ({ pgno: p, data: makePage(PS, p, 0) }));
    pages[0].data = pageOne(1, 0);
    assert.equal((await commit(s, db, { base: 0, pageCount: 4, pages })).status, 200);
    assert.equal((await v2(3, 0)).status, 200, "new life: version 2 writes page 3");
    const r = await onOldBase([1, 3], 4);
    assert.equal(r.status, 409, `new life: page 3 changed since version 1 (${r.text})`);
    assert.match(r.json.message, /page 3/);
    assert.equal((await onOldBase([1, 2], 2)).status, 200, "new life: page 2 did not change");

    // page 1: the old life's version 4 left it alone besides its counters, the new one's changes the schema cookie
    assert.equal((await s.api("DELETE", `/v1/databases/${db}`)).status, 204);
    assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } })).status, 201);
    assert.equal((await commit(s, db, { base: 0, pageCount: 4, pages })).status, 200);
    assert.equal((await v2(4, 1)).status, 200, "a schema change");
    const p1 = await onOldBase([1, 2], 2);
    assert.equal(p1.status, 409, p1.text);
    assert.match(p1.json.message, /page 1/);
  });
});

describe("page 1's change counter", () => {
  /** A SQLite page 1 (magic and header) with `counter` in both counter fields. */
  function sqlitePageOne(counter) {
    const d = pageOne(counter, 0);
    d.set(new TextEncoder().encode("SQLite format 3\0"), 0);
    return d;
  }

  test("a commit on the current version whose page 1 repeats a counter (its read moved past a version after SQLite read page 1) gets the next one", async () => {
    const db = `pc${++n}`;
    assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } })).status, 201);
    const pages = [1, 2, 3, 4].map((p) => ({ pgno: p, data: p === 1 ? sqlitePageOne(1) : makePage(PS, p, 0) }));
    assert.equal((await commit(s, db, { base: 0, pageCount: 4, pages })).status, 200);
    // A writes page 2: version 2, counter 2
    assert.equal((await commit(s, db, { base: 1, pageCount: 4, reads: [1, 2], pages: [{ pgno: 1, data: sqlitePageOne(2) }, { pgno: 2, data: makePage(PS, 2, 1) }] })).status, 200);
    // B read page 1 at version 1 (counter 1), then moved to version 2, which changed page 1's
    // counters alone: its SQLite writes counter 2 again, on base 2
    const b = await commit(s, db, { base: 2, pageCount: 4, reads: [1, 3], pages: [{ pgno: 1, data: sqlitePageOne(2) }, { pgno: 3, data: makePage(PS, 3, 2) }] });
    assert.equal(b.status, 200, b.text);
    assert.equal(b.json.version, 3);
    assert.equal(b.json.counter, 3, "the answer says which counter page 1 got");
    assert.equal(counterOf(await page(db, 3, 1)), 3, "version 3's page 1 must not repeat version 2's counter: SQLite caches would not see the change");
    // a page 1 that counts on from the current one is kept as sent
    const c = await commit(s, db, { base: 3, pageCount: 4, reads: [1, 4], pages: [{ pgno: 1, data: sqlitePageOne(4) }, { pgno: 4, data: makePage(PS, 4, 3) }] });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.counter, undefined);
    assert.deepEqual(await page(db, 4, 1), sqlitePageOne(4));
  });
});

describe("chain commits", () => {
  test("a commit sent before the one it was built on waits for it and lands after it", async () => {
    const db = await fourPages();
    const k1 = newKey();
    const second = commit(s, db, { base: 1, pageCount: 4, reads: [1, 3], after: [k1], pages: [{ pgno: 1, data: pageOne(3, 0) }, { pgno: 3, data: makePage(PS, 3, 5) }] });
    await new Promise((r) => setTimeout(r, 100));
    const first = await commit(s, db, { base: 1, pageCount: 4, reads: [1, 2], key: k1, pages: [{ pgno: 1, data: pageOne(2, 0) }, { pgno: 2, data: makePage(PS, 2, 5) }] });
    assert.equal(first.status, 200, first.text);
    const r2 = await second;
    assert.equal(r2.status, 200, r2.text);
    assert.equal(first.json.version, 2);
    assert.equal(r2.json.version, 3);
    assert.deepEqual(r2.json.changed, [], "nothing but its own chain wrote since its base");
  });

  test("a later commit is never applied when the one it was built on never arrives or is refused", async () => {
    const db = await fourPages();
    const lost = await commit(s, db, { base: 1, pageCount: 4, reads: [1], after: [newKey()], wait: 200, pages: [{ pgno: 3, data: makePage(PS, 3, 5) }] });
    assert.equal(lost.status, 409, lost.text);
    assert.match(lost.json.message, /did not arrive/);
    // someone else takes version 2; the chain's first commit is refused; its successor too
    assert.equal((await commit(s, db, { base: 1, pageCount: 4, pages: [{ pgno: 2, data: makePage(PS, 2, 8) }] })).status, 200);
    const k1 = newKey();
    const second = commit(s, db, { base: 1, pageCount: 4, reads: [1, 3], after: [k1], pages: [{ pgno: 3, data: makePage(PS, 3, 5) }] });
    const first = await commit(s, db, { base: 1, pageCount: 4, key: k1, reads: [2], pages: [{ pgno: 2, data: makePage(PS, 2, 5) }] });
    assert.equal(first.status, 409);
    const r2 = await second;
    assert.equal(r2.status, 409, r2.text);
    assert.match(r2.json.message, /was refused/);
    assert.equal((await s.api("GET", `/v1/databases/${db}`)).json.version, 2);
  });
});

describe("turns on a page fought over", () => {
  // Clients A, B and C write page 2 (true conflicts), each on the newest version it knows.
  const as = (client) => ({ "X-Dosqlite-Client": client });
  const write = (db, client, base, seed) =>
    commit(s, db, { base, pageCount: 4, reads: [1, 2], headers: as(client), pages: [{ pgno: 1, data: pageOne(base + 1, 0) }, { pgno: 2, data: makePage(PS, 2, seed) }] });
  const contended = (r) => r.headers.get("X-Dosqlite-Contended");

  test("clients refused on a page queue for it in order; whoever lands there while others wait goes to the end of the queue", async () => {
    const db = await fourPages();
    assert.equal((await write(db, "A", 1, 1)).status, 200); // version 2
    const b = await write(db, "B", 1, 2);
    assert.equal(b.status, 409, b.text);
    assert.equal(b.json.page, 2, "the refusal names the page that changed");
    assert.equal(b.json.turn, 0, "the first client refused on page 2 is next");
    const c = await write(db, "C", 1, 3);
    assert.equal(c.json.turn, 1, "C is second");
    assert.equal((await write(db, "B", 1, 2)).json.turn, 0, "refused again, B keeps its place");
    // A lands again out of turn (nothing is refused for fairness) and is told two wait ahead of it
    const a = await write(db, "A", 2, 4);
    assert.equal(a.status, 200, a.text);
    assert.equal(contended(a), "2");
    // B's turn: it lands, and goes behind C and A
    const b2 = await write(db, "B", 3, 5);
    assert.equal(b2.status, 200, b2.text);
    assert.equal(contended(b2), "2");
    // C's turn, then A's: each waits for the others
    const c2 = await write(db, "C", 4, 6);
    assert.equal(c2.status, 200, c2.text);
    assert.equal(contended(c2), "2");
    // a client that is refused again in the queue is told its place
    assert.equal((await write(db, "B", 4, 7)).json.turn, 1, "A, then B");
  });

  test("once only one client writes a page, its commits are not contended", async () => {
    const db = await fourPages();
    assert.equal((await write(db, "A", 1, 1)).status, 200);
    assert.equal((await write(db, "B", 1, 2)).json.turn, 0);
    const b = await write(db, "B", 2, 3); // B's turn: it lands, nobody else waits
    assert.equal(b.status, 200, b.text);
    assert.equal(contended(b), null);
    const b2 = await write(db, "B", 3, 4);
    assert.equal(contended(b2), null);
  });

  test("a client at the head of the queue that lets others land twice has stopped writing there: it is dropped", async () => {
    const db = await fourPages();
    assert.equal((await write(db, "A", 1, 1)).status, 200);
    assert.equal((await write(db, "B", 1, 2)).json.turn, 0); // B waits for page 2, then never writes again
    assert.equal(contended(await write(db, "A", 2, 3)), "1", "B is ahead of A");
    assert.equal(contended(await write(db, "A", 3, 4)), null, "passed twice, B is out of the queue");
    assert.equal(contended(await write(db, "A", 4, 5)), null);
  });

  test("a commit of a page nobody was refused on is not contended, and page 1 is nobody's turn", async () => {
    const db = await fourPages();
    assert.equal((await write(db, "A", 1, 1)).status, 200);
    assert.equal((await write(db, "B", 1, 2)).json.turn, 0);
    // A writes page 3 only (and page 1, which every commit writes): B waits for page 2, not for these
    const a = await commit(s, db, { base: 2, pageCount: 4, reads: [1, 3], headers: as("A"), pages: [{ pgno: 1, data: pageOne(3, 0) }, { pgno: 3, data: makePage(PS, 3, 9) }] });
    assert.equal(a.status, 200, a.text);
    assert.equal(contended(a), null);
    // a client that names no client is never queued
    const anon = await commit(s, db, { base: 1, pageCount: 4, reads: [1, 2], pages: [{ pgno: 1, data: pageOne(2, 0) }, { pgno: 2, data: makePage(PS, 2, 8) }] });
    assert.equal(anon.status, 409);
    assert.equal(anon.json.turn, undefined);
  });
});

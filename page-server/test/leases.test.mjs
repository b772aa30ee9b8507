// Read leases and pushed invalidation (docs/protocol.md), against a real workerd: a new version
// stays invisible until every other holder acknowledged it or its lease ran out, also across a
// kill -9 of workerd.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { frames, makePage, newKey, parseFrames, startServer, tempDir } from "./helpers.mjs";

const LEASE_MS = 1500;
const PS = 1024;
let s;
before(async () => {
  s = await startServer({ args: ["--lease-ms", String(LEASE_MS)] });
});
after(async () => {
  await s?.stop();
});

/** A push-channel client: messages queue up; next(type) waits for the next one of that type. */
async function holder(server, db, client, socket, { own = false, counters = false, hot = false } = {}) {
  const tail = (socket ? `&socket=${socket}` : "") + (own ? "&own=1" : "") + (counters ? "&counters=1" : "") + (hot ? "&hot=1" : "");
  const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/v1/databases/${db}/leases?client=${client}${tail}`, {
    headers: { Authorization: `Bearer ${server.token}` },
  });
  const queue = [];
  const waiters = [];
  ws.onmessage = (e) => {
    queue.push(JSON.parse(e.data));
    for (const w of waiters.splice(0)) w();
  };
  await new Promise((res, rej) => {
    ws.onopen = res;
    ws.onerror = () => rej(new Error("WebSocket did not open"));
  });
  let id = 0;
  const h = {
    ws,
    async next(type) {
      for (;;) {
        const i = queue.findIndex((m) => m.type === type);
        if (i >= 0) return queue.splice(i, 1)[0];
        await new Promise((r) => waiters.push(r));
      }
    },
    pending: (type) => queue.some((m) => m.type === type),
    async lease(since) {
      const sentAt = Date.now();
      ws.send(JSON.stringify({ type: "lease", id: ++id, since }));
      const m = await h.next("lease");
      return { ...m, sentAt };
    },
    ack: (version) => ws.send(JSON.stringify({ type: "ack", version })),
    close: () => ws.close(),
  };
  return h;
}

function commitAs(server, db, base, pages, { client, socket, consistency, pageCount, reads, key } = {}) {
  const headers = { "Idempotency-Key": key ?? newKey(), "Content-Type": "application/octet-stream" };
  if (client) headers["X-Dosqlite-Client"] = client;
  if (socket) headers["X-Dosqlite-Lease"] = socket;
  if (consistency) headers["X-Dosqlite-Consistency"] = consistency;
  const r = reads === undefined ? "" : `&reads=${reads}`;
  return server.api("POST", `/v1/databases/${db}/commit?base=${base}&pageCount=${pageCount ?? pages.length}${r}`, { body: frames(pages), headers });
}

/** `p`, or a failure with `why` if it takes longer than `ms` (a missing message must not hang the suite). */
function withinMs(p, ms, why) {
  let t;
  return Promise.race([p, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(why)), ms)))]).finally(() => clearTimeout(t));
}

let n = 0;
async function newDb(server = s) {
  const db = `lease${++n}`;
  assert.equal((await server.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } })).status, 201);
  const pages = [1, 2, 3].map((p) => ({ pgno: p, data: makePage(PS, p, 1) }));
  assert.equal((await commitAs(server, db, 0, pages)).status, 200);
  return db;
}

describe("read leases", () => {
  test("a lease carries the version and what changed since the client's", async () => {
    const db = await newDb();
    const h = await holder(s, db, "a");
    try {
      const l = await h.lease(0);
      assert.equal(l.version, 1);
      assert.equal(l.ms, LEASE_MS);
      assert.deepEqual(l.changed, [1, 2, 3]);
      assert.equal(l.complete, true);
      assert.equal((await h.lease(1)).changed.length, 0);
      assert.equal((await h.lease(7)).complete, false);
    } finally {
      h.close();
    }
  });

  test("a commit is answered, and visible, only after the holder acknowledged; small commits push their pages", async () => {
    const db = await newDb();
    const h = await holder(s, db, "reader");
    try {
      await h.lease(1);
      const page = makePage(PS, 2, 9);
      let answered = false;
      const c = commitAs(s, db, 1, [{ pgno: 2, data: page }], { client: "writer", pageCount: 3 }).then((r) => ((answered = true), r));
      const inv = await h.next("invalidate");
      assert.equal(inv.version, 2);
      assert.equal(inv.base, 1);
      assert.deepEqual(inv.changed, [2]);
      assert.equal(inv.complete, true);
      const pushed = parseFrames(Buffer.from(inv.frames, "base64"), PS);
      assert.deepEqual([...pushed[0].data], [...page]);
      // Not visible to anyone yet: a version check or a read without a version is answered at
      // once, with the version before it.
      const check = await s.api("GET", `/v1/databases/${db}/changes?since=1`);
      assert.equal(check.json.version, 1, "no one may see the new version before the holder acknowledged it");
      assert.deepEqual(check.json.changed, []);
      const read = await s.api("POST", `/v1/databases/${db}/read`, { body: { pages: [2] } });
      assert.equal(read.status, 200);
      assert.equal(read.headers.get("X-Dosqlite-Version"), "1");
      assert.equal(read.headers.get("X-Dosqlite-Current-Version"), "1");
      assert.deepEqual([...parseFrames(read.bytes, PS)[0].data], [...makePage(PS, 2, 1)]);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(answered, false, "the commit must wait for the holder's ack");
      h.ack(2);
      assert.equal((await c).status, 200);
      assert.equal((await s.api("GET", `/v1/databases/${db}/changes?since=1`)).json.version, 2);
    } finally {
      h.close();
    }
  });

  test("another writer's commit is applied while an earlier one waits for a holder; its answer waits behind it", async () => {
    const db = await newDb();
    const h = await holder(s, db, "reader");
    try {
      await h.lease(1);
      const answered = [];
      const a = commitAs(s, db, 1, [{ pgno: 2, data: makePage(PS, 2, 10) }], { client: "a", pageCount: 3, reads: "2" }).then((r) => (answered.push("a"), r));
      assert.equal((await h.next("invalidate")).version, 2);
      // B read only page 3 at version 1: the page check lets it land on version 2 at once, without
      // waiting for the holder's acknowledgement of A (which would serialise writers behind acks)
      const b = commitAs(s, db, 1, [{ pgno: 3, data: makePage(PS, 3, 10) }], { client: "b", pageCount: 3, reads: "3" }).then((r) => (answered.push("b"), r));
      const inv = await withinMs(h.next("invalidate"), 5000, "B was not applied before the holder acknowledged A");
      assert.equal(inv.version, 3);
      // page 1 too: its change counter is merged on a commit that landed on a newer base
      assert.ok(inv.changed.includes(3) && !inv.changed.includes(2), `B's version changed ${inv.changed}`);
      // neither is visible yet, and neither answer came
      assert.equal((await s.api("GET", `/v1/databases/${db}/changes?since=1`)).json.version, 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(answered, []);
      // acknowledging B alone does not reveal it: it contains A, still held back
      h.ack(3);
      const ra = await a;
      const rb = await b;
      assert.equal(ra.status, 200);
      assert.equal(rb.status, 200);
      assert.equal(ra.json.version, 2);
      assert.equal(rb.json.version, 3);
      assert.equal((await s.api("GET", `/v1/databases/${db}/changes?since=1`)).json.version, 3);
    } finally {
      h.close();
    }
  });

  test("while versions are held back, a version check names only those before them; a holder's newer one is kept", async () => {
    const db = await newDb();
    const h = await holder(s, db, "reader");
    try {
      await h.lease(1);
      const c = commitAs(s, db, 1, [{ pgno: 2, data: makePage(PS, 2, 11) }], { client: "w", pageCount: 3 });
      assert.equal((await h.next("invalidate")).version, 2);
      const early = await s.api("GET", `/v1/databases/${db}/changes?since=0`);
      assert.equal(early.json.version, 1);
      assert.deepEqual(early.json.changed, [1, 2, 3]);
      // the holder learned version 2 from its invalidation: asking with it changes nothing
      const own = await s.api("GET", `/v1/databases/${db}/changes?since=2`);
      assert.equal(own.json.version, 2);
      assert.equal(own.json.complete, true);
      // and it may read version 2 by naming it
      const read = await s.api("POST", `/v1/databases/${db}/read`, { body: { version: 2, pages: [2] } });
      assert.equal(read.headers.get("X-Dosqlite-Version"), "2");
      h.ack(2);
      assert.equal((await c).status, 200);
    } finally {
      h.close();
    }
  });

  test("a holder's refused commit is answered at once, naming the held-back version; anyone else's waits for it", async () => {
    const db = await newDb();
    const h = await holder(s, db, "reader", "1");
    try {
      await h.lease(1);
      // it caches page 2: a commit of page 2 waits for it
      const asHolder = { "X-Dosqlite-Client": "reader", "X-Dosqlite-Lease": "1" };
      assert.equal((await s.api("POST", `/v1/databases/${db}/read`, { body: { pages: [2] }, headers: asHolder })).status, 200);
      const c = commitAs(s, db, 1, [{ pgno: 2, data: makePage(PS, 2, 12) }], { client: "w", pageCount: 3, reads: "2" });
      assert.equal((await h.next("invalidate")).version, 2);
      // the holder was told of version 2 on its socket: its refusal may name it now
      const mine = await withinMs(
        commitAs(s, db, 1, [{ pgno: 2, data: makePage(PS, 2, 13) }], { client: "reader", socket: "1", pageCount: 3, reads: "2" }),
        1000,
        "the holder's refusal waited for its own acknowledgement",
      );
      assert.equal(mine.status, 409);
      assert.equal(mine.json.version, 2);
      // a client without a socket learns of version 2 only once it may be shown
      let answered = false;
      const theirs = commitAs(s, db, 1, [{ pgno: 2, data: makePage(PS, 2, 14) }], { client: "x", pageCount: 3, reads: "2" }).then((r) => ((answered = true), r));
      // and naming a socket that is not connected does not count
      const stranger = commitAs(s, db, 1, [{ pgno: 2, data: makePage(PS, 2, 15) }], { client: "x", socket: "9", pageCount: 3, reads: "2" }).then((r) => ((answered = true), r));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(answered, false, "a non-holder's refusal named a version nobody may see yet");
      h.ack(2);
      assert.equal((await c).status, 200);
      for (const r of [await theirs, await stranger]) {
        assert.equal(r.status, 409);
        assert.equal(r.json.version, 2);
      }
    } finally {
      h.close();
    }
  });

  test("a holder that never acknowledges delays a commit by at most one lease", async () => {
    const db = await newDb();
    const h = await holder(s, db, "silent");
    try {
      const l = await h.lease(1);
      const t0 = Date.now();
      const r = await commitAs(s, db, 1, [{ pgno: 1, data: makePage(PS, 1, 5) }], { pageCount: 3 });
      const waited = Date.now() - t0;
      assert.equal(r.status, 200);
      assert.ok(Date.now() >= l.sentAt + LEASE_MS - 50, `answered ${waited} ms after the commit, before the lease ended`);
      assert.ok(waited <= LEASE_MS + 1000, `waited ${waited} ms, more than one lease`);
    } finally {
      h.close();
    }
  });

  test("the writer's own lease does not delay its commit; the session mode does not wait", async () => {
    const db = await newDb();
    const h = await holder(s, db, "me");
    const other = await holder(s, db, "other");
    try {
      await h.lease(1);
      await other.lease(1);
      const t0 = Date.now();
      // 'other' never acks, but the writer asked not to wait
      assert.equal((await commitAs(s, db, 1, [{ pgno: 1, data: makePage(PS, 1, 6) }], { client: "me", consistency: "session", pageCount: 3 })).status, 200);
      assert.ok(Date.now() - t0 < LEASE_MS / 2, "the session mode must not wait for holders");
      assert.equal((await other.next("invalidate")).version, 2);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(h.pending("invalidate"), false, "the writer is not sent its own commit");
    } finally {
      h.close();
      other.close();
    }
  });

  test("a writer that asked (own=1) is told of its own commit in order with the others', and not waited for", async () => {
    const db = await newDb();
    const w = await holder(s, db, "w", "1", { own: true });
    const r = await holder(s, db, "r");
    try {
      await w.lease(1);
      await r.lease(1);
      const key = newKey();
      const c = commitAs(s, db, 1, [{ pgno: 2, data: makePage(PS, 2, 12) }], { client: "w", pageCount: 3, key });
      const mine = await w.next("invalidate");
      assert.equal(mine.own, true);
      assert.equal(mine.key, key);
      assert.equal(mine.version, 2);
      assert.equal(mine.base, 1);
      assert.deepEqual(mine.changed, [2]);
      assert.equal(mine.frames, undefined, "the writer has its pages");
      // r's commit lands on version 3 while w's answer still waits for r: w hears of it after its own
      const b = commitAs(s, db, 1, [{ pgno: 3, data: makePage(PS, 3, 12) }], { client: "r", pageCount: 3, reads: "3" });
      const theirs = await withinMs(w.next("invalidate"), 5000, "the writer was not told of the next version");
      assert.equal(theirs.own, undefined);
      assert.equal(theirs.version, 3);
      assert.equal(theirs.base, 2, "no gap: the writer's own version came first");
      w.ack(3);
      r.ack(2);
      assert.equal((await c).status, 200);
      assert.equal((await b).status, 200);
    } finally {
      w.close();
      r.close();
    }
  });

  test("a closed holder's lease still runs out before a commit is answered", async () => {
    const db = await newDb();
    const h = await holder(s, db, "gone");
    const l = await h.lease(1);
    h.close();
    const r = await commitAs(s, db, 1, [{ pgno: 1, data: makePage(PS, 1, 7) }], { pageCount: 3 });
    assert.equal(r.status, 200);
    assert.ok(Date.now() >= l.sentAt + LEASE_MS - 50, "answered before the closed holder's lease ended");
  });

  test("a read naming the holder's socket renews its lease and makes its pages the only ones pushed", async () => {
    const db = await newDb();
    const h = await holder(s, db, "rider", "1");
    try {
      const granted = Date.now();
      await h.lease(1);
      const asHolder = { "X-Dosqlite-Client": "rider", "X-Dosqlite-Lease": "1" };
      // while more than half the lease is left a read does not renew it (a renewal is a row write)
      const early = await s.api("POST", `/v1/databases/${db}/read`, { body: { pages: [2] }, headers: asHolder });
      assert.equal(early.status, 200);
      if (Date.now() - granted < LEASE_MS / 2 - 100) assert.equal(early.headers.get("X-Dosqlite-Lease-Ms"), null, "renewed with most of the lease left");
      await new Promise((r) => setTimeout(r, Math.max(0, granted + LEASE_MS / 2 + 50 - Date.now())));
      const r = await s.api("POST", `/v1/databases/${db}/read`, { body: { pages: [2] }, headers: asHolder });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("X-Dosqlite-Lease-Ms"), String(LEASE_MS), "the read's answer renews the lease");
      // another socket number of the same client, or no lease header: no renewal
      const other = await s.api("POST", `/v1/databases/${db}/read`, { body: { pages: [2] }, headers: { ...asHolder, "X-Dosqlite-Lease": "2" } });
      assert.equal(other.headers.get("X-Dosqlite-Lease-Ms"), null);
      // a commit of pages 2 and 3: only page 2 was served to the holder, so only page 2 is pushed
      const c = commitAs(s, db, 1, [2, 3].map((p) => ({ pgno: p, data: makePage(PS, p, 4) })), { client: "writer", pageCount: 3 });
      const inv = await h.next("invalidate");
      assert.deepEqual(inv.changed, [2, 3]);
      assert.deepEqual(parseFrames(Buffer.from(inv.frames, "base64"), PS).map((f) => f.pgno), [2]);
      h.ack(2);
      assert.equal((await c).status, 200);
    } finally {
      h.close();
    }
  });

  test("a released lease holds back no commit", async () => {
    const db = await newDb();
    const h = await holder(s, db, "leaving");
    try {
      await h.lease(1);
      h.ws.send(JSON.stringify({ type: "release" }));
      // messages are handled in order: once this one is answered, the release was applied
      h.ws.send(JSON.stringify({ type: "sync", id: 99 }));
      await h.next("error");
      h.close();
      const t0 = Date.now();
      const r = await commitAs(s, db, 1, [{ pgno: 1, data: makePage(PS, 1, 6) }], { pageCount: 3 });
      assert.equal(r.status, 200);
      assert.ok(Date.now() - t0 < LEASE_MS, `waited ${Date.now() - t0} ms for a released lease`);
    } finally {
      h.close();
    }
  });

  test("a holder that named no socket gets every page of a small commit pushed", async () => {
    const db = await newDb();
    const h = await holder(s, db, "plain");
    try {
      await h.lease(1);
      const c = commitAs(s, db, 1, [2, 3].map((p) => ({ pgno: p, data: makePage(PS, p, 4) })), { client: "writer", pageCount: 3 });
      const inv = await h.next("invalidate");
      assert.deepEqual(parseFrames(Buffer.from(inv.frames, "base64"), PS).map((f) => f.pgno), [2, 3]);
      h.ack(2);
      assert.equal((await c).status, 200);
    } finally {
      h.close();
    }
  });

  test("page 1 changed only in its counters is pushed as the two counters to a holder that takes them", async () => {
    const db = await newDb();
    const takes = await holder(s, db, "takes", "1", { counters: true });
    const whole = await holder(s, db, "whole", "1");
    try {
      for (const h of [takes, whole]) {
        h.ws.send(JSON.stringify({ type: "lease", id: 1, since: 1, cached: "1-3" }));
        assert.equal((await h.next("lease")).cached, true);
      }
      const before = await counterOnly(db, 1, 1); // page 1 of version 1 as it is
      const next = await counterOnly(db, 1, 0x01020304);
      new DataView(next.buffer).setUint32(92, 0x01020305); // the two numbers travel apart
      const c = commitAs(s, db, 1, [{ pgno: 1, data: next }, { pgno: 2, data: makePage(PS, 2, 40) }], { client: "w", pageCount: 3 });
      const a = await takes.next("invalidate");
      const b = await whole.next("invalidate");
      assert.deepEqual(a.changed, [1, 2]);
      assert.deepEqual(a.counters, [0x01020304, 0x01020305]);
      assert.deepEqual(parseFrames(Buffer.from(a.frames, "base64"), PS).map((f) => f.pgno), [2], "page 1 travels as its counters");
      assert.equal(b.counters, undefined);
      assert.deepEqual(parseFrames(Buffer.from(b.frames, "base64"), PS).map((f) => f.pgno), [1, 2], "a holder that did not ask gets the page");
      // the holder's page 1 with the two numbers put in is the new version's page 1, byte for byte
      const patched = new Uint8Array(before);
      new DataView(patched.buffer).setUint32(24, a.counters[0]);
      new DataView(patched.buffer).setUint32(92, a.counters[1]);
      const stored = await s.api("POST", `/v1/databases/${db}/read`, { body: { version: 2, pages: [1] } });
      assert.deepEqual(patched, new Uint8Array(parseFrames(stored.bytes, PS)[0].data));
      assert.deepEqual(patched, new Uint8Array(parseFrames(Buffer.from(b.frames, "base64"), PS)[0].data));
      takes.ack(2);
      whole.ack(2);
      assert.equal((await c).status, 200);

      // anything else of page 1 changed (here the schema cookie): the page itself
      const schema = await counterOnly(db, 2, 7);
      new DataView(schema.buffer).setUint32(40, 99);
      const d = commitAs(s, db, 2, [{ pgno: 1, data: schema }], { client: "w", pageCount: 3 });
      const e = await takes.next("invalidate");
      assert.equal(e.counters, undefined);
      assert.deepEqual(parseFrames(Buffer.from(e.frames, "base64"), PS).map((f) => f.pgno), [1]);
      takes.ack(3);
      whole.ack(3);
      assert.equal((await d).status, 200);
    } finally {
      takes.close();
      whole.close();
    }
  });

  test("a lease request without an upgrade is 426; a missing database is 404", async () => {
    const db = await newDb();
    assert.equal((await s.api("GET", `/v1/databases/${db}/leases`)).status, 426);
    assert.equal((await s.api("GET", `/v1/databases/nosuchdb/leases`)).status, 404);
  });
});

/** Page 1 of version `v` with only its change counter (and copy) set to `counter`: a commit that changed nothing else there. */
async function counterOnly(db, v, counter) {
  const r = await s.api("POST", `/v1/databases/${db}/read`, { body: { version: v, pages: [1] } });
  const d = new Uint8Array(parseFrames(r.bytes, PS)[0].data);
  new DataView(d.buffer).setUint32(24, counter);
  new DataView(d.buffer).setUint32(92, counter);
  return d;
}

/** Whether `p` settles within `ms` (without failing when it does not). */
async function settlesWithin(p, ms) {
  let t;
  const r = await Promise.race([p.then(() => true), new Promise((res) => (t = setTimeout(() => res(false), ms)))]);
  clearTimeout(t);
  return r;
}

describe("waits only for holders of changed pages", () => {
  const as = (client) => ({ "X-Dosqlite-Client": client, "X-Dosqlite-Lease": "1" });

  test("a commit waits for the holders that were served a page it changes, not for the others", async () => {
    const db = await newDb();
    const h2 = await holder(s, db, "has2", "1");
    const h3 = await holder(s, db, "has3", "1");
    try {
      const g = await h2.lease(1);
      assert.equal(g.waitsFor, "cached");
      await h3.lease(1);
      for (const [client, page] of [["has2", 2], ["has3", 3]]) {
        const r = await s.api("POST", `/v1/databases/${db}/read`, { body: { version: 1, pages: [1, page] }, headers: as(client) });
        assert.equal(r.headers.get("X-Dosqlite-Recorded"), "1");
      }
      // page 3 and a page 1 that differs only in its change counter: only has3 must acknowledge
      const c = commitAs(s, db, 1, [{ pgno: 1, data: await counterOnly(db, 1, 2) }, { pgno: 3, data: makePage(PS, 3, 20) }], { client: "w", pageCount: 3 });
      const told = await h2.next("invalidate");
      assert.deepEqual(told.changed, [1, 3], "every holder is still told");
      assert.equal(told.ack, false, "nothing waits for its acknowledgement");
      const waitedFor = await h3.next("invalidate");
      assert.equal(waitedFor.version, 2);
      assert.equal(waitedFor.ack, undefined);
      assert.equal(await settlesWithin(c, 300), false, "answered before the holder of page 3 acknowledged");
      h3.ack(2);
      assert.equal((await withinMs(c, 1000, "waited for a holder that has none of the pages")).status, 200);
      // a page 1 that changed besides its counters (here its whole content) concerns everyone
      const d = commitAs(s, db, 2, [{ pgno: 1, data: makePage(PS, 1, 21) }], { client: "w", pageCount: 3 });
      await h2.next("invalidate");
      await h3.next("invalidate");
      h3.ack(3);
      assert.equal(await settlesWithin(d, 300), false, "a real change of page 1 did not wait for the holder of page 2");
      h2.ack(3);
      assert.equal((await d).status, 200);
    } finally {
      h2.close();
      h3.close();
    }
  });

  test("after an interior prefetch a holder is waited for on interior pages only; pages it listed (lease request, cache message) count as served", async () => {
    const db = `lease${++n}`;
    assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } })).status, 201);
    const first = [{ pgno: 1, data: makePage(PS, 1, 1) }, { pgno: 2, data: makePage(PS, 2, 1, 0x05) }, { pgno: 3, data: makePage(PS, 3, 1) }, { pgno: 4, data: makePage(PS, 4, 1) }];
    assert.equal((await commitAs(s, db, 0, first)).status, 200);
    const h = await holder(s, db, "pref", "1");
    const l = await holder(s, db, "lister", "1");
    try {
      await h.lease(1);
      const pre = await s.api("GET", `/v1/databases/${db}/interior`, { headers: as("pref") });
      assert.equal(pre.headers.get("X-Dosqlite-Recorded"), "1");
      // the lister names page 1 as cached on its lease request, then page 4 with a cache message
      l.ws.send(JSON.stringify({ type: "lease", id: 1, since: 1, cached: "1" }));
      assert.equal((await l.next("lease")).cached, true);
      l.ws.send(JSON.stringify({ type: "cache", id: 2, pages: "4" }));
      assert.equal((await l.next("cached")).id, 2);
      // a leaf page nobody was served: nobody waited for
      const leaf = commitAs(s, db, 1, [{ pgno: 1, data: await counterOnly(db, 1, 2) }, { pgno: 3, data: makePage(PS, 3, 30) }], { client: "w", pageCount: 4 });
      assert.equal((await withinMs(leaf, 1000, "a leaf nobody cached waited for a holder")).status, 200);
      // the interior page: the prefetching holder; page 4: the lister
      const inner = commitAs(s, db, 2, [{ pgno: 1, data: await counterOnly(db, 2, 3) }, { pgno: 2, data: makePage(PS, 2, 31, 0x05) }], { client: "w", pageCount: 4 });
      const listed = commitAs(s, db, 2, [{ pgno: 4, data: makePage(PS, 4, 31) }], { client: "w2", pageCount: 4, reads: "4" });
      for (const m of [h, l]) await m.next("invalidate");
      await h.next("invalidate");
      await l.next("invalidate");
      assert.equal(await settlesWithin(inner, 300), false, "an interior page did not wait for the holder that prefetched them");
      assert.equal(await settlesWithin(listed, 10), false, "a listed page did not wait for its holder");
      h.ack(4);
      l.ack(4);
      assert.equal((await inner).status, 200);
      assert.equal((await listed).status, 200);
    } finally {
      h.close();
      l.close();
    }
  });

  test("a page a holder writes itself stops holding others' commits back once they fight over it (hot=1), until it reads it again", async () => {
    const db = await newDb();
    const h = await holder(s, db, "hot", "1", { hot: true });
    const old = await holder(s, db, "old", "1"); // a client that does not take `unrecorded`
    let v = 1;
    const write = (client, page, tag, base = v) =>
      counterOnly(db, base, base + 1).then((one) => commitAs(s, db, base, [{ pgno: 1, data: one }, { pgno: page, data: makePage(PS, page, tag) }], { client, socket: "1", pageCount: 3 }));
    /**
     * Commits `write()`: `who` must acknowledge it before it is answered; the others are told
     * without waiting. Leases are asked for again first: the test outlasts one.
     */
    const waitsFor = async (write, who, told, why) => {
      for (const m of [h, old]) await m.lease(v);
      const c = write();
      v++;
      const msgs = [];
      for (const m of told) msgs.push(await withinMs(m.next("invalidate"), 2000, `${why}: no invalidation`));
      assert.equal(await settlesWithin(c, 250), false, `${why}: answered before its holders acknowledged`);
      for (const m of who) m.ack(v);
      assert.equal((await withinMs(c, 2000, `${why}: still waiting`)).status, 200);
      return msgs;
    };
    try {
      await h.lease(1);
      await old.lease(1);
      for (const c of ["hot", "old"]) {
        const r = await s.api("POST", `/v1/databases/${db}/read`, { body: { version: 1, pages: [2] }, headers: as(c) });
        assert.equal(r.headers.get("X-Dosqlite-Recorded"), "1");
      }
      // each writes page 2 once: the other one caches it, so each commit waits for it as before
      await waitsFor(() => write("old", 2, 50), [h], [h], "a page the holder read");
      await waitsFor(() => write("hot", 2, 51), [old], [old], "a page the old holder read and wrote");
      // another writer changes it once: no fight yet (a client that loaded rows another one updates)
      const [first] = await waitsFor(() => write("w", 2, 52), [h, old], [h, old], "the first change by another");
      assert.equal(first.unrecorded, undefined);
      // the holder writes it again, and another writer changes it again: it is told the page is
      // unrecorded, and waited for this once
      await waitsFor(() => write("hot", 2, 57), [old], [old], "its second write");
      const [toHot, toOld] = await waitsFor(() => write("w", 2, 52), [h, old], [h, old], "the version that unrecords it");
      assert.deepEqual(toHot.unrecorded, [2]);
      assert.equal(toOld.unrecorded, undefined, "a client that did not ask is never told (it would go on trusting the page)");
      // from now on: not waited for, and still pushed the new image (its writes read it from its cache)
      const [pushed] = await waitsFor(() => write("w", 2, 53), [old], [h, old], "a hot page");
      assert.equal(pushed.ack, false);
      assert.equal(pushed.unrecorded, undefined);
      assert.deepEqual(Buffer.from(parseFrames(Buffer.from(pushed.frames, "base64"), PS).find((f) => f.pgno === 2).data), Buffer.from(makePage(PS, 2, 53)));
      // its own commit of the page does not record it again
      await waitsFor(() => write("hot", 2, 54), [old], [old], "its own write");
      assert.equal((await waitsFor(() => write("w", 2, 55), [old], [h, old], "after its own write")).at(0).ack, false);
      // a read records it again: waited for again
      const r = await s.api("POST", `/v1/databases/${db}/read`, { body: { version: v, pages: [2] }, headers: as("hot") });
      assert.equal(r.headers.get("X-Dosqlite-Recorded"), "1");
      await waitsFor(() => write("w", 2, 56), [h, old], [h, old], "a page read again");
    } finally {
      h.close();
      old.close();
    }
  });

  test("a read with the pages its transaction read moves to the newest version where none of them changed", async () => {
    const db = await newDb();
    // version 2 writes page 3, version 3 writes page 2 (page 1: counters only)
    assert.equal((await commitAs(s, db, 1, [{ pgno: 1, data: await counterOnly(db, 1, 2) }, { pgno: 3, data: makePage(PS, 3, 40) }], { pageCount: 3 })).status, 200);
    assert.equal((await commitAs(s, db, 2, [{ pgno: 1, data: await counterOnly(db, 2, 3) }, { pgno: 2, data: makePage(PS, 2, 41) }], { pageCount: 3 })).status, 200);
    const at = async (reads, pages) => s.api("POST", `/v1/databases/${db}/read`, { body: { version: 1, pages, reads } });
    // it read pages 1 and 2 at version 1: version 3 changed page 2, so it reads on at version 2
    const a = await at("1-2", [3]);
    assert.equal(a.headers.get("X-Dosqlite-Version"), "2");
    assert.equal(a.headers.get("X-Dosqlite-Fresh"), "1");
    assert.equal(a.headers.get("X-Dosqlite-Changed"), "1,3");
    assert.deepEqual(Buffer.from(parseFrames(a.bytes, PS)[0].data), Buffer.from(makePage(PS, 3, 40)));
    // it read only page 1: nothing it read changed, the newest version
    const b = await at("1", [2]);
    assert.equal(b.headers.get("X-Dosqlite-Version"), "3");
    assert.equal(b.headers.get("X-Dosqlite-Changed"), "1-3");
    // a page 1 that changed besides its counters stops it too
    assert.equal((await commitAs(s, db, 3, [{ pgno: 1, data: makePage(PS, 1, 42) }], { pageCount: 3 })).status, 200);
    assert.equal((await at("1", [2])).headers.get("X-Dosqlite-Version"), "3");
    // without reads: the version asked for, not said fresh
    const plain = await s.api("POST", `/v1/databases/${db}/read`, { body: { version: 1, pages: [2] } });
    assert.equal(plain.headers.get("X-Dosqlite-Version"), "1");
    assert.equal(plain.headers.get("X-Dosqlite-Fresh"), null);
    assert.equal((await at(7, [2])).status, 400);
  });
});

describe("history", () => {
  test("the version readers are served while a newer one is held back stays readable, however short the history", async () => {
    const srv = await startServer({ args: ["--lease-ms", String(LEASE_MS), "--retain-versions", "1", "--retain-ms", "0"] });
    try {
      const db = await newDb(srv);
      const h = await holder(srv, db, "reader");
      try {
        await h.lease(1);
        const c = commitAs(srv, db, 1, [{ pgno: 2, data: makePage(PS, 2, 13) }], { client: "w", pageCount: 3 });
        assert.equal((await h.next("invalidate")).version, 2);
        const check = await srv.api("GET", `/v1/databases/${db}/changes?since=0`);
        assert.equal(check.json.version, 1, JSON.stringify(check.json));
        const read = await srv.api("POST", `/v1/databases/${db}/read`, { body: { version: 1, pages: [2] } });
        assert.equal(read.status, 200, read.text);
        assert.deepEqual([...parseFrames(read.bytes, PS)[0].data], [...makePage(PS, 2, 1)]);
        h.ack(2);
        assert.equal((await c).status, 200);
      } finally {
        h.close();
      }
    } finally {
      await srv.stop();
    }
  });
});

describe("restart", () => {
  test("after kill -9 with a lease held, nothing new is visible before that lease ends", async () => {
    const dataDir = tempDir();
    let srv = await startServer({ dataDir, args: ["--lease-ms", "3000"] });
    try {
      const db = await newDb(srv);
      const h = await holder(srv, db, "held");
      const l = await h.lease(1);
      await srv.kill9();
      srv = await startServer({ dataDir, args: ["--lease-ms", "3000"] });
      const r = await commitAs(srv, db, 1, [{ pgno: 1, data: makePage(PS, 1, 8) }], { pageCount: 3 });
      assert.equal(r.status, 200);
      assert.ok(Date.now() >= l.sentAt + 3000 - 50, "a restarted object answered a commit while a lease of its earlier life could still be trusted");
      const info = await srv.api("GET", `/v1/databases/${db}`);
      assert.equal(info.json.version, 2, "no lost commit");
    } finally {
      await srv.stop();
    }
  });
  test("after kill -9, a holder that came back and released its old grant holds back nothing; another client's release does not count", async () => {
    const dataDir = tempDir();
    const LONG = 20000;
    let srv = await startServer({ dataDir, args: ["--lease-ms", String(LONG)] });
    try {
      const db = await newDb(srv);
      const a = await holder(srv, db, "back", "1");
      const b = await holder(srv, db, "stopped", "1");
      const ga = (await a.lease(1)).grant;
      const gb = (await b.lease(1)).grant;
      assert.ok(ga && gb && ga !== gb, "each grant has its own id");
      await srv.kill9();
      srv = await startServer({ dataDir, args: ["--lease-ms", String(LONG)] });
      const a2 = await holder(srv, db, "back", "2");
      // a client may release only its own grants: "back" naming the stopped client's grant changes nothing
      a2.ws.send(JSON.stringify({ type: "release", grants: [ga, gb] }));
      const t0 = Date.now();
      let answered = false;
      const c = commitAs(srv, db, 1, [{ pgno: 1, data: makePage(PS, 1, 9) }], { pageCount: 3 }).then((r) => ((answered = true), r));
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(answered, false, "a commit was answered while the stopped client's lease of the earlier life could be trusted");
      // the stopped client comes back too and releases its grant: the commit goes through at once
      const b2 = await holder(srv, db, "stopped", "2");
      b2.ws.send(JSON.stringify({ type: "release", grants: [gb] }));
      const r = await c;
      assert.equal(r.status, 200);
      assert.ok(Date.now() - t0 < LONG / 2, `waited ${Date.now() - t0} ms after every holder released its old grant`);
      const info = await srv.api("GET", `/v1/databases/${db}`);
      assert.equal(info.json.version, 2, "no lost commit");
      a2.close();
      b2.close();
    } finally {
      await srv.stop();
    }
  });
});

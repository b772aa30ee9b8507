// Durability: workerd killed with SIGKILL in the middle of a stream of commits, then restarted
// on the same data directory; and a plain restart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { commit, makePage, newKey, parseFrames, readPages, startServer, tempDir } from "./helpers.mjs";

const PS = 4096;
const NP = 32; // pages per commit (128 KiB): a commit is many row writes, so a kill can land inside one

test("SIGKILL during a stream of commits: every acknowledged commit survives, none is partial", async () => {
  const dataDir = tempDir();
  let base = 0;
  for (let round = 0; round < 3; round++) {
    let s = await startServer({ dataDir });
    const acked = []; // { version, key }
    let inflightKey = null;
    try {
      if (round === 0) assert.equal((await s.api("PUT", "/v1/databases/crash", { body: { pageSize: PS } })).status, 201);
      const writer = (async () => {
        for (let v = base + 1; ; v++) {
          const key = newKey("crash");
          inflightKey = key;
          const pages = [];
          for (let p = 1; p <= NP; p++) pages.push({ pgno: p, data: makePage(PS, p, v) });
          let r;
          try {
            r = await commit(s, "crash", { base: v - 1, pageCount: NP, pages, key });
          } catch {
            return; // connection died with the server
          }
          if (r.status !== 200) throw new Error(`commit ${v}: ${r.status} ${r.text}`);
          assert.equal(r.json.version, v);
          acked.push({ version: v, key });
          inflightKey = null;
        }
      })();
      // let a good number of commits land, then kill workerd while one is in flight
      while (acked.length < 15 + round * 7) await new Promise((r) => setTimeout(r, 5));
      const { code, signal } = await s.kill9();
      assert.equal(code, 137, `serve.mjs exits with 128+9 when workerd is killed (got ${code}/${signal})`);
      await writer;
    } finally {
      await s.stop();
    }
    const last = acked[acked.length - 1].version;
    s = await startServer({ dataDir });
    try {
      const info = (await s.api("GET", "/v1/databases/crash")).json;
      assert.ok(info.version === last || info.version === last + 1, `version ${info.version} after ${last} acknowledged commits`);
      assert.equal(info.pageCount, NP);
      // the in-flight commit is either wholly there or wholly absent, and /commits says which
      if (inflightKey) {
        const st = await s.api("GET", `/v1/databases/crash/commits/${inflightKey}`);
        assert.equal(st.status, info.version === last + 1 ? 200 : 404);
      }
      // every page of the current version and of the last retained versions is from one commit
      for (let v = info.version; v > Math.max(0, info.version - 10); v--) {
        const r = await readPages(s, "crash", v, Array.from({ length: NP }, (_, i) => i + 1));
        assert.equal(r.status, 200, r.text);
        const f = parseFrames(r.bytes, PS);
        for (const fr of f) assert.deepEqual(fr.data, makePage(PS, fr.pgno, v), `page ${fr.pgno} at version ${v}`);
      }
      // every acknowledged commit is known by its key
      for (const a of acked.slice(-20)) {
        const st = await s.api("GET", `/v1/databases/crash/commits/${a.key}`);
        assert.equal(st.status, 200);
        assert.equal(st.json.version, a.version);
      }
      // and the database goes on
      const next = await commit(s, "crash", { base: info.version, pageCount: NP, pages: [1, 2].map((p) => ({ pgno: p, data: makePage(PS, p, 0) })) });
      assert.equal(next.status, 200);
      assert.equal(next.json.version, info.version + 1);
      // restore a uniform image so the next round's checks hold
      const all = [];
      for (let p = 1; p <= NP; p++) all.push({ pgno: p, data: makePage(PS, p, info.version + 2) });
      assert.equal((await commit(s, "crash", { base: info.version + 1, pageCount: NP, pages: all })).status, 200);
      base = info.version + 2;
      const ex = await s.api("GET", "/v1/databases/crash/export");
      assert.equal(ex.bytes.length, NP * PS);
    } finally {
      await s.stop();
    }
  }
});

test("data survives a restart with the same data directory", async () => {
  const dataDir = tempDir();
  let s = await startServer({ dataDir });
  const key = newKey();
  try {
    assert.equal((await s.api("PUT", "/v1/databases/keep", { body: { pageSize: 512 } })).status, 201);
    assert.equal((await commit(s, "keep", { base: 0, pageCount: 2, key, pages: [1, 2].map((p) => ({ pgno: p, data: makePage(512, p, 1) })) })).status, 200);
    assert.equal((await commit(s, "keep", { base: 1, pageCount: 2, pages: [{ pgno: 2, data: makePage(512, 2, 2) }] })).status, 200);
  } finally {
    const r = await s.stop();
    assert.equal(r.code, 0, "SIGTERM stops workerd cleanly");
  }
  s = await startServer({ dataDir });
  try {
    const list = (await s.api("GET", "/v1/databases")).json.databases;
    assert.deepEqual(list, [{ name: "keep", pageSize: 512, pageCount: 2, version: 2 }]);
    const f = parseFrames((await readPages(s, "keep", 2, [1, 2])).bytes, 512);
    assert.deepEqual(f.map((x) => x.data), [makePage(512, 1, 1), makePage(512, 2, 2)]);
    const old = parseFrames((await readPages(s, "keep", 1, [2])).bytes, 512);
    assert.deepEqual(old[0].data, makePage(512, 2, 1), "old versions survive a restart too");
    const replay = await commit(s, "keep", { base: 0, pageCount: 2, key, pages: [1, 2].map((p) => ({ pgno: p, data: makePage(512, p, 1) })) });
    assert.equal(replay.headers.get("x-dosqlite-replayed"), "true", "idempotency keys survive a restart");
    assert.deepEqual(replay.json, { version: 1, pageCount: 2, pages: 2 });
  } finally {
    await s.stop();
  }
});

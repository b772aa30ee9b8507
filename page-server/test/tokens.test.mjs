// Scoped tokens against a real workerd: scope, read-only, expiry, forgery, rotation of the secret.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { api, commit, makePage, startServer, tempDir } from "./helpers.mjs";

const SECRET = "first-secret-0123456789";
let s;
const dataDir = tempDir();
before(async () => {
  s = await startServer({ dataDir, args: ["--token-secret", SECRET] });
  for (const db of ["reports-a", "reports-b", "sales"]) {
    assert.equal((await s.api("PUT", `/v1/databases/${db}`, { body: { pageSize: 1024 } })).status, 201);
    const c = await commit(s, db, { base: 0, pageCount: 1, pages: [{ pgno: 1, data: makePage(1024, 1, 1) }] });
    assert.equal(c.status, 200, c.text);
  }
});
after(async () => {
  await s?.stop();
});

async function issue(body, token = s.token) {
  return await api(s.url, token, "POST", "/v1/tokens", { body });
}
const as = (token, method, p, opts) => api(s.url, token, method, p, opts);
const version = async (db) => (await s.api("GET", `/v1/databases/${db}`)).json.version;

describe("scoped tokens", () => {
  test("the master token issues a token; scoped tokens cannot", async () => {
    const r = await issue({ db: "reports*", readOnly: true, expiresIn: 3600 });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.token, /^dsq1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.equal(r.json.readOnly, true);
    const again = await issue({ db: "*", expiresIn: 60 }, r.json.token);
    assert.equal(again.status, 403);
    assert.equal(again.json.error, "forbidden");
  });

  test("bad requests for a token are 400", async () => {
    for (const body of [{}, { db: "a/b", expiresIn: 5 }, { db: "x", expiresIn: 0 }, { db: "x", expiresIn: 1.5 }, { db: "x", readOnly: "yes", expiresIn: 5 }, [1]]) {
      const r = await issue(body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
  });

  test("a read-only token reads in its scope, is 403 outside it and on every write", async () => {
    const t = (await issue({ db: "reports*", readOnly: true, expiresIn: 3600 })).json.token;
    assert.equal((await as(t, "GET", "/v1/databases/reports-a")).status, 200);
    const read = await as(t, "POST", "/v1/databases/reports-b/read", { body: { pages: [1] } });
    assert.equal(read.status, 200);
    const list = await as(t, "GET", "/v1/databases");
    assert.deepEqual(list.json.databases.map((d) => d.name).sort(), ["reports-a", "reports-b"]);
    const other = await as(t, "GET", "/v1/databases/sales");
    assert.equal(other.status, 403);
    assert.equal(other.json.error, "forbidden");
    assert.match(other.json.message, /reports\*/);

    const before = await version("reports-a");
    const w = await api(s.url, t, "POST", "/v1/databases/reports-a/commit?base=1&pageCount=1", {
      body: new Uint8Array(0), headers: { "Idempotency-Key": "ro-1" },
    });
    assert.equal(w.status, 403);
    assert.equal(w.json.error, "read_only");
    assert.equal((await as(t, "PUT", "/v1/databases/reports-new")).status, 403);
    assert.equal((await as(t, "DELETE", "/v1/databases/reports-a")).status, 403);
    assert.equal((await as(t, "PUT", "/v1/databases/reports-a/import", { body: new Uint8Array(1024) })).status, 403);
    assert.equal((await as(t, "POST", "/v1/databases/reports-a/stage/s1?pageSize=1024", { body: new Uint8Array(0) })).status, 403);
    assert.equal(await version("reports-a"), before, "a refused write changed nothing");
    assert.equal((await s.api("GET", "/v1/databases/reports-new")).status, 404);
  });

  test("a read-write token writes in its scope only", async () => {
    const t = (await issue({ db: "sales", readOnly: false, expiresIn: 3600 })).json.token;
    const c = await commit({ api: (m, p, o) => as(t, m, p, o) }, "sales", { base: 1, pageCount: 1, pages: [{ pgno: 1, data: makePage(1024, 1, 2) }] });
    assert.equal(c.status, 200, c.text);
    assert.equal((await as(t, "GET", "/v1/databases/reports-a")).status, 403);
    assert.equal((await as(t, "GET", "/v1/databases/sales-2")).status, 403, "an exact name is not a prefix");
  });

  test("a fork reads its origin and needs write access to the new name", async () => {
    const ro = (await issue({ db: "reports*", readOnly: true, expiresIn: 3600 })).json.token;
    const rw = (await issue({ db: "reports*", readOnly: false, expiresIn: 3600 })).json.token;
    const fork = (t, name) => as(t, "POST", "/v1/databases/reports-a/fork", { body: { name } });
    assert.equal((await fork(ro, "reports-copy")).status, 403, "read-only: no new database");
    const outside = await fork(rw, "sales-copy");
    assert.equal(outside.status, 403);
    assert.equal(outside.json.error, "forbidden");
    assert.equal((await s.api("GET", "/v1/databases/sales-copy")).status, 404);
    const ok = await fork(rw, "reports-copy");
    assert.equal(ok.status, 201, ok.text);
  });

  test("an expired token is 401 token_expired", async () => {
    const exp = Math.floor(Date.now() / 1000) - 1;
    const t = sign(SECRET, { db: "*", ro: false, exp });
    const r = await as(t, "GET", "/v1/databases/sales");
    assert.equal(r.status, 401);
    assert.equal(r.json.error, "token_expired");
    assert.match(r.json.message, /expired/);
  });

  test("forged tokens are 401 invalid_token", async () => {
    const good = (await issue({ db: "reports*", readOnly: true, expiresIn: 3600 })).json.token;
    const [p, pay, sig] = good.split(".");
    const widened = Buffer.from(JSON.stringify({ db: "*", ro: false, exp: 4102444800 })).toString("base64url");
    const forged = [
      `${p}.${widened}.${sig}`, // payload changed, old signature
      sign("some-other-secret-123", { db: "*", ro: false, exp: 4102444800 }),
      `${p}.${pay}.${sig.slice(0, -2)}`,
      `${p}.${pay}.`,
      `${p}.${pay}`,
      "dsq1.",
      `${p}.!!!.${sig}`,
    ];
    for (const t of forged) {
      const r = await as(t, "PUT", "/v1/databases/forged-db");
      assert.equal(r.status, 401, t);
      assert.equal(r.json.error, "invalid_token", t);
    }
    assert.equal((await s.api("GET", "/v1/databases/forged-db")).status, 404);
  });

  test("a push channel does not outlive its token: leases end at its expiry, the socket is closed after", async () => {
    const expMs = (Math.floor(Date.now() / 1000) + 2) * 1000;
    const t = sign(SECRET, { db: "reports-a", ro: true, exp: expMs / 1000 });
    // a client may not claim a later expiry for itself: the Worker sets the header from the token
    const ws = new WebSocket(`${s.url.replace(/^http/, "ws")}/v1/databases/reports-a/leases?client=tok&socket=1`, {
      headers: { Authorization: `Bearer ${t}`, "X-Dosqlite-Token-Expires": "4102444800" },
    });
    const got = [];
    let wake = () => {};
    ws.onmessage = (e) => {
      got.push(JSON.parse(e.data));
      wake();
    };
    const closed = new Promise((res) => (ws.onclose = (e) => res(e.code)));
    await new Promise((res, rej) => {
      ws.onopen = res;
      ws.onerror = () => rej(new Error("WebSocket did not open"));
    });
    const next = async (type) => {
      for (;;) {
        const m = got.find((x) => x.type === type);
        if (m) return m;
        await new Promise((r) => (wake = r));
      }
    };
    const sentAt = Date.now();
    ws.send(JSON.stringify({ type: "lease", id: 1, since: await version("reports-a") }));
    const lease = await next("lease");
    assert.ok(lease.ms > 0 && lease.ms <= expMs - sentAt + 50, `lease of ${lease.ms} ms for a token expiring in ${expMs - sentAt} ms`);

    while (Date.now() <= expMs + 100) await new Promise((r) => setTimeout(r, 50)); // the token's own clock
    const v = await version("reports-a");
    const c = await commit(s, "reports-a", { base: v, pageCount: 1, pages: [{ pgno: 1, data: makePage(1024, 1, 77) }] });
    assert.equal(c.status, 200, c.text);
    ws.send(JSON.stringify({ type: "lease", id: 2, since: v }));
    const refused = await next("error");
    assert.equal(refused.error, "token_expired");
    assert.equal(got.filter((m) => m.type === "invalidate").length, 0, "no page of a version after the token's expiry was pushed");
    assert.equal(await closed, 4401);
    const again = await as(t, "GET", "/v1/databases/reports-a/leases");
    assert.equal(again.status, 401, "a new socket with the expired token is refused");
  });

  test("rotating the secret revokes every token; the master token still works", async () => {
    const t = (await issue({ db: "*", readOnly: true, expiresIn: 3600 })).json.token;
    assert.equal((await as(t, "GET", "/v1/databases/sales")).status, 200);
    await s.stop();
    s = await startServer({ dataDir, args: ["--token-secret", "second-secret-0123456789"] });
    const r = await as(t, "GET", "/v1/databases/sales");
    assert.equal(r.status, 401);
    assert.equal(r.json.error, "invalid_token");
    assert.equal((await s.api("GET", "/v1/databases/sales")).status, 200);
  });
});

describe("the kept secret", () => {
  test("serve keeps a generated secret across restarts; --rotate-token-secret replaces it", async () => {
    const dir = tempDir();
    let srv = await startServer({ dataDir: dir });
    const t = (await api(srv.url, srv.token, "POST", "/v1/tokens", { body: { db: "*", readOnly: true, expiresIn: 600 } })).json.token;
    await srv.stop();
    srv = await startServer({ dataDir: dir });
    try {
      assert.equal((await api(srv.url, t, "GET", "/v1/databases")).status, 200);
    } finally {
      await srv.stop();
    }
    srv = await startServer({ dataDir: dir, args: ["--rotate-token-secret"] });
    try {
      assert.equal((await api(srv.url, t, "GET", "/v1/databases")).status, 401);
    } finally {
      await srv.stop();
    }
  });
});

/** The token format written independently from the server's (docs/protocol.md). */
function sign(secret, payload) {
  const head = "dsq1." + Buffer.from(JSON.stringify(payload)).toString("base64url");
  return head + "." + crypto.createHmac("sha256", secret).update(head).digest("base64url");
}

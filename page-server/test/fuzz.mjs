// The page API under hostile input: mutates valid requests of every endpoint (paths, methods,
// query parameters, headers, tokens, JSON, frames, patches, gzip, sizes, lease WebSocket messages)
// and sends them to a real workerd. The verdicts: no crash (the server keeps answering), no 5xx,
// no change to the database's content or version by a refused request (checked by the export's
// SHA-256), and PRAGMA integrity_check ok on every database at the end.
//
// A mutated request that the server accepts as a write did what its sender may do; the fuzzer then
// writes the valid image back so that later checks compare against a valid database.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { pageCrc, tempDir } from "./helpers.mjs";

const PS = 1024;

/** Two images of one real SQLite database of the same page count (B: one row updated). */
function images() {
  const dir = tempDir("dosqlite-fuzz-");
  const file = path.join(dir, "a.db");
  const rows = Array.from({ length: 80 }, (_, i) => `(${i}, '${"value-" + String(i).padStart(30, "0")}')`).join(",");
  execFileSync("sqlite3", [file, `PRAGMA page_size=${PS}; PRAGMA journal_mode=DELETE; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t(v); INSERT INTO t VALUES ${rows};`]);
  const a = new Uint8Array(fs.readFileSync(file));
  execFileSync("sqlite3", [file, "UPDATE t SET v = 'value-changed-by-b' || substr(v, 19) WHERE id = 7;"]);
  const b = new Uint8Array(fs.readFileSync(file));
  assert.equal(a.length, b.length);
  return [a, b];
}

function mulberry(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function framesOf(file, pgnos) {
  const out = new Uint8Array(pgnos.length * (8 + PS));
  const dv = new DataView(out.buffer);
  pgnos.forEach((p, i) => {
    const data = file.subarray((p - 1) * PS, p * PS);
    dv.setUint32(i * (8 + PS), p);
    dv.setUint32(i * (8 + PS) + 4, pageCrc(p, data));
    out.set(data, i * (8 + PS) + 8);
  });
  return out;
}

/** Patch frames: each page as the runs that differ from `from`. */
function patchesOf(from, to, pgnos) {
  const parts = [];
  for (const p of pgnos) {
    const a = from.subarray((p - 1) * PS, p * PS);
    const b = to.subarray((p - 1) * PS, p * PS);
    const runs = [];
    for (let i = 0; i < PS; ) {
      if (a[i] === b[i]) {
        i++;
        continue;
      }
      let j = i;
      while (j < PS && a[j] !== b[j]) j++;
      runs.push([i, b.subarray(i, j)]);
      i = j;
    }
    const len = runs.reduce((n, [, d]) => n + 4 + d.length, 0);
    const f = new Uint8Array(12 + len);
    const dv = new DataView(f.buffer);
    dv.setUint32(0, p);
    dv.setUint32(4, pageCrc(p, b));
    dv.setUint32(8, len);
    let off = 12;
    for (const [at, d] of runs) {
      dv.setUint16(off, at);
      dv.setUint16(off + 2, d.length);
      f.set(d, off + 4);
      off += 4 + d.length;
    }
    parts.push(f);
  }
  return Buffer.concat(parts);
}

const WEIRD = ["", "-1", "0", "1", "4294967295", "4294967296", "9007199254740993", "1e3", "1.5", "NaN", "abc", "%00", "\u00e9", "0x10", " 7", "99999999999999999999", "[]", "null"];
const WEIRD_JSON = [null, true, -1, 0, 1.5, 2 ** 53, 1e308, "x", "", [], {}, [[1]], { a: 1 }, -0, 4294967296];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/**
 * Runs `count` fuzz requests against `server` (from startServer; its token-secret must be
 * `secret`), in `lanes` concurrent lanes of one database each. Returns the figures; throws on the
 * first violated verdict.
 */
export async function fuzz(server, { count, seed = 1, secret, checkEvery = 25, lanes = 1, log = () => {} }) {
  const auth = { Authorization: `Bearer ${server.token}` };
  const call = async (method, p, headers = {}, body) => {
    const res = await fetch(server.url + p, { method, headers, body, redirect: "manual" });
    return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
  const tokens = await (async () => {
    const issue = async (body) => JSON.parse(new TextDecoder().decode((await call("POST", "/v1/tokens", { ...auth, "Content-Type": "application/json" }, JSON.stringify(body))).bytes)).token;
    const expiredHead = "dsq1." + Buffer.from(JSON.stringify({ db: "*", ro: false, exp: 1 })).toString("base64url");
    return {
      ro: await issue({ db: "*", readOnly: true, expiresIn: 86400 }),
      other: await issue({ db: "other*", readOnly: false, expiresIn: 86400 }),
      expired: expiredHead + "." + crypto.createHmac("sha256", secret).update(expiredHead).digest("base64url"),
    };
  })();
  const all = await Promise.all(
    Array.from({ length: lanes }, (_, i) =>
      lane(server, { count: Math.floor(count / lanes) + (i < count % lanes ? 1 : 0), seed: seed * 31 + i, secret, checkEvery, log, DB: `fz${i}`, tokens }),
    ),
  );
  const stats = {};
  const add = (into, from) => {
    for (const [k, v] of Object.entries(from)) {
      if (typeof v === "number") into[k] = (into[k] ?? 0) + v;
      else add((into[k] ??= {}), v);
    }
  };
  for (const one of all) add(stats, one);

  // ---- final verdicts: every database is a valid SQLite file ----
  const list = await call("GET", "/v1/databases", auth);
  assert.equal(list.status, 200);
  const names = JSON.parse(new TextDecoder().decode(list.bytes)).databases.filter((d) => d.pageCount > 0).map((d) => d.name);
  const dir = tempDir("dosqlite-fuzz-check-");
  stats.integrity = {};
  for (const name of names) {
    const r = await call("GET", `/v1/databases/${encodeURIComponent(name)}/export`, auth);
    assert.equal(r.status, 200);
    const f = path.join(dir, `${name}.db`);
    fs.writeFileSync(f, r.bytes);
    stats.integrity[name] = execFileSync("sqlite3", [f, "PRAGMA integrity_check;"], { encoding: "utf8" }).trim();
  }
  stats.fiveHundreds = Object.entries(stats.byStatus).filter(([st]) => Number(st) >= 500).reduce((n, [, c]) => n + c, 0);
  return stats;
}

/** One lane: fuzzed requests on database `DB`, checked after each write and every checkEvery requests. */
async function lane(server, { count, seed, secret, checkEvery, log, DB, tokens }) {
  const rnd = mulberry(seed);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const chance = (p) => rnd() < p;
  const int = (n) => Math.floor(rnd() * n);
  const [A, B] = images();
  const N = A.length / PS;
  const stats = { requests: 0, byStatus: {}, refused: 0, acceptedMutations: 0, repairs: 0, checks: 0, wsMessages: 0, wsSockets: 0, endpoints: {}, ms: {} };
  const auth = { Authorization: `Bearer ${server.token}` };
  const call = async (method, p, headers = {}, body) => {
    const res = await fetch(server.url + p, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : body, redirect: "manual" });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, bytes, headers: res.headers };
  };

  // ---- the database's state, and the check that a refused request left it alone ----
  let current = A;
  const exportHash = async () => {
    // An accepted mutation may have declared any size: look before downloading.
    const info = await call("GET", `/v1/databases/${DB}`, auth);
    if (info.status !== 200) return null;
    const i = JSON.parse(new TextDecoder().decode(info.bytes));
    if (i.pageCount !== N) return { version: i.version, sha: `pageCount ${i.pageCount}`, bytes: null };
    const r = await call("GET", `/v1/databases/${DB}/export`, auth);
    assert.equal(r.status, 200, `export failed: ${r.status}`);
    return { version: Number(r.headers.get("X-Dosqlite-Version")), sha: crypto.createHash("sha256").update(r.bytes).digest("hex"), bytes: r.bytes };
  };
  const repair = async () => {
    // Back to the valid image A: create (if a DELETE got through), then import A as a new version.
    await call("PUT", `/v1/databases/${DB}`, { ...auth, "Content-Type": "application/json" }, JSON.stringify({ pageSize: PS }));
    const r = await call("PUT", `/v1/databases/${DB}/import`, { ...auth, "Idempotency-Key": `repair-${seed}-${stats.repairs}` }, A);
    assert.equal(r.status, 200, `repair import failed: ${r.status} ${new TextDecoder().decode(r.bytes)}`);
    current = A;
    stats.repairs++;
    return await exportHash();
  };
  let state = await repair();

  // ---- valid requests of every endpoint ----
  const db = `/v1/databases/${DB}`;
  const commitBody = () => {
    const next = current === A ? B : A;
    const changed = [];
    for (let p = 1; p <= N; p++) if (Buffer.compare(A.subarray((p - 1) * PS, p * PS), B.subarray((p - 1) * PS, p * PS)) !== 0) changed.push(p);
    return { next, changed };
  };
  const bases = [
    () => ({ name: "list", method: "GET", path: "/v1/databases", query: {} }),
    () => ({ name: "info", method: "GET", path: db, query: {} }),
    () => ({ name: "create", method: "PUT", path: db, query: {}, json: { pageSize: PS } }),
    () => ({ name: "changes", method: "GET", path: `${db}/changes`, query: { since: String(Math.max(0, state.version - 1)) } }),
    () => ({ name: "read", method: "POST", path: `${db}/read`, query: {}, json: { version: state.version, pages: [1, 1 + int(N)] } }),
    () => ({ name: "interior", method: "GET", path: `${db}/interior`, query: { version: String(state.version), maxBytes: "65536" } }),
    () => ({ name: "commitStatus", method: "GET", path: `${db}/commits/k-${int(50)}`, query: {} }),
    () => ({ name: "export", method: "GET", path: `${db}/export`, query: { version: String(state.version) } }),
    () => {
      const { changed } = commitBody();
      return { name: "commit", method: "POST", path: `${db}/commit`, query: { base: String(state.version), pageCount: String(N), pageSize: String(PS) }, body: framesOf(commitBody().next, changed), key: true };
    },
    () => {
      const { next, changed } = commitBody();
      return { name: "patch", method: "POST", path: `${db}/commit`, query: { base: String(state.version), pageCount: String(N), frames: "patch" }, body: patchesOf(current, next, changed), key: true };
    },
    () => ({ name: "stage", method: "POST", path: `${db}/stage/st-${int(20)}`, query: { pageSize: String(PS) }, body: framesOf(commitBody().next, [1, 2]) }),
    () => ({ name: "stagedCommit", method: "POST", path: `${db}/commit`, query: { base: String(state.version), pageCount: String(N), stage: `st-${int(20)}` }, body: new Uint8Array(0), key: true }),
    () => ({ name: "import", method: "PUT", path: `${db}/import`, query: {}, body: commitBody().next, key: true }),
    () => ({ name: "token", method: "POST", path: "/v1/tokens", query: {}, json: { db: "fz*", readOnly: true, expiresIn: 60 } }),
    () => ({ name: "delete", method: "DELETE", path: db, query: {} }),
  ];
  const weights = [1, 2, 1, 2, 3, 2, 1, 1, 4, 3, 2, 2, 1, 1, 0.05];

  // ---- mutations ----
  const mutateBytes = (b) => {
    const out = Buffer.from(b);
    switch (int(8)) {
      case 0: // flip bits
        for (let i = 1 + int(4); i > 0 && out.length; i--) out[int(out.length)] ^= 1 << int(8);
        return out;
      case 1:
        return out.subarray(0, int(out.length + 1));
      case 2:
        return Buffer.concat([out, crypto.randomBytes(1 + int(64))]);
      case 3:
        return Buffer.concat([out, out]);
      case 4:
        return crypto.randomBytes(int(3 * (PS + 8)));
      case 5: // a u32 field (page number, crc, length) set to an edge value
        if (out.length >= 12) out.writeUInt32BE(pick([0, 1, N, N + 1, 0xffffffff, 0x7fffffff, PS, PS + 1]), 4 * int(3));
        return out;
      case 6:
        return Buffer.alloc(0);
      default:
        return out.subarray(int(out.length + 1));
    }
  };
  const mutateJson = (j) => {
    const o = structuredClone(j);
    const keys = Object.keys(o);
    switch (int(6)) {
      case 0:
        o[pick(keys)] = pick(WEIRD_JSON);
        return JSON.stringify(o);
      case 1:
        delete o[pick(keys)];
        return JSON.stringify(o);
      case 2:
        if (Array.isArray(o.pages)) o.pages = Array.from({ length: pick([0, 257, 5000]) }, () => 1 + int(N));
        else o.extra = "x".repeat(int(70000));
        return JSON.stringify(o);
      case 3:
        return JSON.stringify(o).slice(0, int(JSON.stringify(o).length));
      case 4:
        return JSON.stringify(pick(WEIRD_JSON));
      default:
        if (Array.isArray(o.pages)) o.pages = [pick(WEIRD_JSON), 1];
        else o[pick(keys)] = [pick(WEIRD_JSON)];
        return JSON.stringify(o);
    }
  };
  const mutatePath = (p) => {
    const segs = p.split("/");
    const i = 1 + int(segs.length - 1);
    segs[i] = pick(["", "..", "%2e%2e", "%ZZ", "a".repeat(64), "x y", "%00", "\u00e9t\u00e9", "fz%2Fx", segs[i] + "x", "other-db", "v2", "databases"]);
    return chance(0.5) ? segs.join("/") : segs.slice(0, i + 1).join("/") + (chance(0.5) ? "/" : "/extra/seg");
  };

  const build = (base) => {
    const req = { ...base, query: { ...base.query }, headers: { ...auth }, mutated: [] };
    if (base.json !== undefined) {
      req.body = JSON.stringify(base.json);
      req.headers["Content-Type"] = "application/json";
    } else if (base.body !== undefined) req.headers["Content-Type"] = "application/octet-stream";
    if (base.key) req.headers["Idempotency-Key"] = `fz-${seed}-${stats.requests}`;
    const n = 1 + int(3);
    for (let k = 0; k < n; k++) {
      const what = int(10);
      if (what === 0) {
        req.mutated.push("path");
        req.path = mutatePath(req.path);
      } else if (what === 1) {
        req.mutated.push("method");
        req.method = pick(METHODS);
      } else if (what === 2) {
        req.mutated.push("query");
        const keys = ["base", "pageCount", "pageSize", "since", "version", "maxBytes", "stage", "frames", "incarnation"];
        const key = chance(0.6) && Object.keys(req.query).length ? pick(Object.keys(req.query)) : pick(keys);
        if (chance(0.2)) delete req.query[key];
        else req.query[key] = pick(WEIRD);
      } else if (what === 3) {
        req.mutated.push("token");
        const t = pick(["none", "ro", "other", "expired", "forged", "garbage", "basic", "long"]);
        if (t === "none") delete req.headers.Authorization;
        else if (t === "basic") req.headers.Authorization = `Basic ${server.token}`;
        else if (t === "garbage") req.headers.Authorization = `Bearer dsq1.${crypto.randomBytes(int(40)).toString("base64url")}`;
        else if (t === "long") req.headers.Authorization = `Bearer ${"A".repeat(8000)}`;
        else if (t === "forged") req.headers.Authorization = `Bearer ${tokens.ro.slice(0, -4)}${tokens.other.slice(-4)}`;
        else req.headers.Authorization = `Bearer ${tokens[t]}`;
      } else if (what === 4) {
        req.mutated.push("header");
        const h = pick(["Idempotency-Key", "Content-Type", "X-Dosqlite-Client", "X-Dosqlite-Consistency", "Accept-Encoding", "Content-Encoding"]);
        req.headers[h] = pick(["", "gzip", "br", "deflate, gzip;q=0", "session", "x".repeat(200), "a b", "\u00e9".normalize("NFD").replace(/[^\x20-\x7e]/g, "?"), "application/json", "*"]);
      } else if (what <= 6 && base.body !== undefined) {
        req.mutated.push("body");
        req.body = mutateBytes(req.body ?? base.body);
      } else if (what <= 6 && base.json !== undefined) {
        req.mutated.push("json");
        req.body = mutateJson(base.json);
      } else if (what === 7 && (req.body !== undefined)) {
        req.mutated.push("gzip");
        const raw = typeof req.body === "string" ? Buffer.from(req.body) : req.body;
        const gz = zlib.gzipSync(raw);
        req.body = pick([gz, gz.subarray(0, int(gz.length)), raw, Buffer.concat([gz, gz])]);
        req.headers["Content-Encoding"] = "gzip";
      } else if (what === 8) {
        req.mutated.push("size");
        req.body = pick([Buffer.alloc(PS + 8), Buffer.alloc(int(70000)), Buffer.alloc(1), Buffer.alloc((PS + 8) * 300)]);
      }
      // what === 9: leave it valid
    }
    return req;
  };

  const WRITES = new Set(["create", "commit", "patch", "stagedCommit", "import", "delete", "stage", "token"]);
  const send = async (req) => {
    const qs = new URLSearchParams(req.query).toString();
    try {
      return await call(req.method, req.path + (qs ? `?${qs}` : ""), req.headers, req.body);
    } catch (e) {
      // fetch says only "fetch failed": name the request and the cause so the seed is not the only clue.
      throw new Error(`${e.message} (${e.cause?.code ?? ""} ${e.cause?.message ?? ""}) for ${req.method} ${req.path} ${JSON.stringify(req.query)} mutated=${req.mutated} headers=${JSON.stringify(req.headers).slice(0, 300)} body=${req.body?.length ?? "none"}`, { cause: e });
    }
  };
  // Every refused request since the last check must have left the database alone. (With
  // checkEvery 1, the one that did not is named; else the window of requests before the check.)
  const verifyUnchanged = async (req, res) => {
    const now = await exportHash();
    stats.checks++;
    if (!now || now.sha !== state.sha || now.version !== state.version) {
      throw new Error(`refused requests changed the database (last: ${res.status} ${req.method} ${req.path} ${JSON.stringify(req.query)} mutated=${req.mutated}); version ${state.version} -> ${now?.version}, ${checkEvery} requests per check`);
    }
  };
  // An accepted write did what its sender may do: keep a valid image, else write A back.
  const rebaseline = async () => {
    const now = await exportHash();
    stats.checks++;
    if (now?.bytes && (Buffer.compare(Buffer.from(now.bytes), Buffer.from(A)) === 0 || Buffer.compare(Buffer.from(now.bytes), Buffer.from(B)) === 0)) {
      current = Buffer.compare(Buffer.from(now.bytes), Buffer.from(A)) === 0 ? A : B;
      state = now;
    } else {
      if (now?.sha !== state.sha) stats.acceptedMutations++;
      state = await repair();
    }
  };

  // ---- the lease WebSocket: valid and mutated messages ----
  const wsRound = async () => {
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}${db}/leases?client=fz-${int(5)}`, { headers: auth });
    stats.wsSockets++;
    const got = [];
    ws.onmessage = (e) => got.push(e.data);
    const opened = await new Promise((res) => {
      ws.onopen = () => res(true);
      ws.onerror = () => res(false);
    });
    if (!opened) return; // the database may have been deleted by a fuzzed DELETE: a refusal is fine
    const valid = [{ type: "lease", id: 1, since: state.version }, { type: "ack", version: state.version }, { type: "release" }];
    for (let i = 0; i < 20; i++) {
      const m = structuredClone(pick(valid));
      let text;
      switch (int(6)) {
        case 0:
          text = JSON.stringify(m);
          break;
        case 1:
          m[pick(Object.keys(m))] = pick(WEIRD_JSON);
          text = JSON.stringify(m);
          break;
        case 2:
          text = JSON.stringify(m).slice(0, int(20));
          break;
        case 3:
          text = crypto.randomBytes(int(200));
          break;
        case 4:
          text = JSON.stringify({ ...m, since: pick(WEIRD_JSON), incarnation: pick(WEIRD_JSON), id: "x".repeat(int(5000)) });
          break;
        default:
          text = JSON.stringify(pick(WEIRD_JSON));
      }
      ws.send(text);
      stats.wsMessages++;
    }
    ws.send(JSON.stringify({ type: "lease", id: 99, since: 0 }));
    const deadline = Date.now() + 10_000;
    while (!got.some((d) => String(d).includes('"id":99')) && Date.now() < deadline && ws.readyState === 1) await new Promise((r) => setTimeout(r, 5));
    ws.close();
    assert.ok(ws.readyState !== 1 || got.length > 0, "the lease socket answered nothing after fuzzed messages");
  };

  for (let i = 0; i < count; i++) {
    if (i % 500 === 250) await wsRound();
    const r = rnd() * weights.reduce((a, b) => a + b, 0);
    let k = 0;
    for (let acc = weights[0]; acc < r; acc += weights[++k]);
    const base = bases[k]();
    const req = build(base);
    const t0 = performance.now();
    const res = await send(req);
    stats.ms[base.name] = Math.round((stats.ms[base.name] ?? 0) + performance.now() - t0);
    stats.requests++;
    stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
    stats.endpoints[base.name] = (stats.endpoints[base.name] ?? 0) + 1;
    if (res.status >= 500) {
      throw new Error(`5xx: ${res.status} for ${req.method} ${req.path} ${JSON.stringify(req.query)} mutated=${req.mutated} headers=${JSON.stringify(req.headers).slice(0, 300)}: ${new TextDecoder().decode(res.bytes.subarray(0, 400))}`);
    }
    const accepted = res.status >= 200 && res.status < 300;
    if (!accepted) stats.refused++;
    const target = /^\/v1\/databases\/([^/?]+)/.exec(req.path)?.[1];
    const wrote = accepted && (WRITES.has(base.name) || req.method !== base.method);
    if (wrote && target && target !== DB) {
      // A mutated path reached another database: its content is whatever the fuzzer sent.
      await call("DELETE", `/v1/databases/${target}`, auth);
      stats.otherDatabases = (stats.otherDatabases ?? 0) + 1;
    }
    if (wrote) await rebaseline(req);
    else if (stats.requests % checkEvery === 0) await verifyUnchanged(req, res);
    if (stats.requests % 5000 === 0) log(`${stats.requests} requests, statuses ${JSON.stringify(stats.byStatus)}`);
  }
  await wsRound();
  await verifyUnchanged({ method: "(end)", path: "", query: {}, mutated: [] }, { status: 0 });

  return stats;
}

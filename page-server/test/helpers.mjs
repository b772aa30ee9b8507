// Test helpers: start a real workerd through scripts/serve.mjs, talk to it, build page frames.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SERVE = path.join(ROOT, "scripts", "serve.mjs");

export async function freePort() {
  return await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const made = [];
process.on("exit", () => {
  for (const d of made) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {}
  }
});
export function tempDir(prefix = "dosqlite-test-") {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/**
 * Start serve.mjs. Resolves once READY was printed. The returned object can stop() (SIGTERM),
 * kill9() workerd, and always cleans up in stop().
 */
export async function startServer({ dataDir = tempDir(), token = "test-token", tokenArg = true, args = [], env = {}, port } = {}) {
  port = port ?? (await freePort());
  const tokenArgs = tokenArg ? ["--token", token] : [];
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const proc = spawn(process.execPath, [SERVE, "--port", String(port), "--data", dataDir, ...tokenArgs, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: childEnv,
  });
  const lines = [];
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const rl = readline.createInterface({ input: proc.stdout });
  let workerdPid = null;
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not READY in 60 s; stdout=${lines.join("|")} stderr=${stderr}`)), 60_000);
    rl.on("line", (line) => {
      lines.push(line);
      const m = /^workerd pid (\d+)$/.exec(line);
      if (m) workerdPid = Number(m[1]);
      if (line.startsWith("READY ")) {
        clearTimeout(timer);
        resolve(line.slice(6));
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve.mjs exited (${code}, ${signal}) before READY: ${stderr}`));
    });
  });
  const url = await ready;
  const server = {
    url,
    port,
    dataDir,
    token,
    proc,
    lines,
    exited,
    get workerdPid() {
      return workerdPid;
    },
    get stderr() {
      return stderr;
    },
    api: (method, p, opts = {}) => api(url, token, method, p, opts),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
      }
      let timer;
      const r = await Promise.race([exited, new Promise((res) => (timer = setTimeout(() => res(null), 10_000)))]);
      clearTimeout(timer);
      if (r === null) {
        try {
          process.kill(workerdPid, "SIGKILL");
        } catch {}
        proc.kill("SIGKILL");
        await exited;
      }
      return r;
    },
    async kill9() {
      process.kill(workerdPid, "SIGKILL");
      return await exited;
    },
  };
  return server;
}

export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One HTTP call; returns { status, headers, json, bytes, text }. */
export async function api(url, token, method, p, { body, headers = {}, auth = true } = {}) {
  const h = { ...headers };
  if (auth && token !== null) h.Authorization = `Bearer ${token}`;
  let b = body;
  if (body !== undefined && !(body instanceof Uint8Array) && typeof body !== "string") {
    b = JSON.stringify(body);
    h["Content-Type"] = "application/json";
  }
  const res = await fetch(url + p, { method, headers: h, body: b });
  const bytes = new Uint8Array(await res.arrayBuffer());
  let json;
  const text = new TextDecoder().decode(bytes.length < 1_000_000 ? bytes : bytes.subarray(0, 1000));
  if ((res.headers.get("content-type") || "").includes("json")) json = JSON.parse(text);
  return { status: res.status, headers: res.headers, json, bytes, text };
}

// ---- CRC-32C, written independently from the server's (bitwise, slow but obviously right) ----
const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  TABLE[n] = c >>> 0;
}
export function crc32c(...parts) {
  let c = 0xffffffff;
  for (const buf of parts) for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
export function pageCrc(pgno, data) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, pgno);
  return crc32c(b, data);
}

/** A deterministic page image: `seed` decides the content; `kind` goes to the b-tree header byte. */
export function makePage(pageSize, pgno, seed, kind = 0x0d) {
  const d = new Uint8Array(pageSize);
  let x = (pgno * 2654435761 + seed * 40503 + 1) >>> 0;
  for (let i = 0; i < pageSize; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    d[i] = x >>> 24;
  }
  d[pgno === 1 ? 100 : 0] = kind;
  return d;
}

/** Page frames: u32 pgno | u32 crc | data. pages: [{pgno, data, crc?}] */
export function frames(pages) {
  if (pages.length === 0) return new Uint8Array(0);
  const ps = pages[0].data.length;
  const out = new Uint8Array(pages.length * (8 + ps));
  const dv = new DataView(out.buffer);
  pages.forEach((p, i) => {
    const off = i * (8 + ps);
    dv.setUint32(off, p.pgno);
    dv.setUint32(off + 4, p.crc ?? pageCrc(p.pgno, p.data));
    out.set(p.data, off + 8);
  });
  return out;
}

/** Parse frames of a response; verifies every CRC. */
export function parseFrames(bytes, pageSize) {
  const out = [];
  const fl = 8 + pageSize;
  if (bytes.length % fl !== 0) throw new Error(`body length ${bytes.length} not a multiple of ${fl}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let off = 0; off < bytes.length; off += fl) {
    const pgno = dv.getUint32(off);
    const crc = dv.getUint32(off + 4);
    const data = bytes.slice(off + 8, off + fl);
    if (pageCrc(pgno, data) !== crc) throw new Error(`bad crc on page ${pgno}`);
    out.push({ pgno, crc, data });
  }
  return out;
}

let keyCounter = 0;
export function newKey(prefix = "k") {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++keyCounter}`;
}

/** Commit pages; returns the api answer. */
export function commit(server, db, { base, pageCount, pageSize, pages = [], key = newKey(), stage, body, incarnation, reads, after, wait, headers = {} }) {
  let q = `/v1/databases/${db}/commit?base=${base}&pageCount=${pageCount}`;
  if (reads !== undefined) q += `&reads=${reads.join(",")}`;
  if (after !== undefined) q += `&after=${after.join(",")}`;
  if (wait !== undefined) q += `&wait=${wait}`;
  if (pageSize !== undefined) q += `&pageSize=${pageSize}`;
  if (incarnation !== undefined) q += `&incarnation=${encodeURIComponent(incarnation)}`;
  if (stage !== undefined) q += `&stage=${stage}`;
  return server.api("POST", q, {
    body: body ?? frames(pages),
    headers: { "Idempotency-Key": key, "Content-Type": "application/octet-stream", ...headers },
  });
}

export async function readPages(server, db, version, pages) {
  return await server.api("POST", `/v1/databases/${db}/read`, { body: { version, pages } });
}

/**
 * A minimal but real SQLite file: page 1 holds the header and an empty sqlite_master leaf;
 * `extra` more pages are filled with deterministic bytes (never reached by SQLite, but valid
 * for the import check, which only looks at the header and the length).
 */
export function sqliteFile(pageSize, pages) {
  const buf = new Uint8Array(pageSize * pages);
  const enc = new TextEncoder().encode("SQLite format 3\0");
  buf.set(enc, 0);
  const dv = new DataView(buf.buffer);
  dv.setUint16(16, pageSize === 65536 ? 1 : pageSize);
  buf[18] = 1;
  buf[19] = 1;
  buf[20] = 0;
  buf[21] = 64;
  buf[22] = 32;
  buf[23] = 32;
  dv.setUint32(24, 7); // change counter
  dv.setUint32(28, pages); // page count
  dv.setUint32(44, 4); // schema format
  dv.setUint32(56, 1); // UTF-8
  dv.setUint32(92, 7); // version-valid-for
  dv.setUint32(96, 3045000);
  buf[100] = 0x0d; // empty table leaf
  dv.setUint16(105, pageSize === 65536 ? 0 : pageSize);
  for (let p = 2; p <= pages; p++) buf.set(makePage(pageSize, p, 99, 0x0d), (p - 1) * pageSize);
  return buf;
}

// ---- Looking into a Durable Object's storage (the SQLite files workerd keeps in the data dir) ----
// Read-only, through the sqlite3 command-line tool; tests that need it skip when it is missing.

export const HAVE_SQLITE3 = (() => {
  try {
    execFileSync("sqlite3", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Rows of `sql` run on one SQLite file (JSON objects). */
export function storageQuery(file, sql) {
  const out = execFileSync("sqlite3", ["-readonly", "-json", file, sql], { encoding: "utf8" });
  return out.trim() === "" ? [] : JSON.parse(out);
}

/** The storage file of the database DO named `name` (found through its meta row). */
export function databaseFile(dataDir, name) {
  const dir = path.join(dataDir, "dosqlite-database-v1");
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith(".sqlite") || f === "metadata.sqlite") continue;
    const file = path.join(dir, f);
    try {
      if (storageQuery(file, "SELECT name FROM meta")[0]?.name === name) return file;
    } catch {} // a deleted database's file has no meta table
  }
  throw new Error(`no storage file for database ${name}`);
}

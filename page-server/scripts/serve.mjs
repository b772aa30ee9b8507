#!/usr/bin/env node
// Local page server: runs dist/worker.js in the native workerd binary.
//
//   node page-server/scripts/serve.mjs --port N --data DIR --token T [--host 127.0.0.1]
//
// Prints exactly one line `workerd pid <PID>` once workerd is spawned, then exactly one line
// `READY http://HOST:PORT` once the HTTP server answers (both on stdout; everything else goes to
// stderr). SIGTERM/SIGINT are forwarded to workerd; exits when workerd exits, with its code.
// Also kills workerd and exits when its own stdin (a pipe or socket) reaches EOF (unless
// --ignore-stdin), so a parent that dies never leaves an orphan workerd. A stdin that is a
// terminal, /dev/null or a file is not watched.
//
// Other options: --retain-ms MS, --retain-versions N (MVCC retention, defaults 600000 and 16),
// --idem-keys N, --idem-ms MS (idempotency-key memory, defaults 1000 and 86400000),
// --stage-ttl-ms MS (unpublished stage expiry, default 900000), --billing-flush-ms MS (billed-unit
// counters of an idle database persisted this long after its last event, default 5000).
// Each may also come from env DOSQLITE_RETAIN_MS / DOSQLITE_RETAIN_VERSIONS / DOSQLITE_IDEM_KEYS /
// DOSQLITE_IDEM_MS / DOSQLITE_STAGE_TTL_MS / DOSQLITE_LEASE_MS / DOSQLITE_BILLING_FLUSH_MS; the token
// from env DOSQLITE_TOKEN.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const UNIQUE_KEY = "dosqlite-database-v1";
const CATALOG_KEY = "dosqlite-catalog-v1";
const COMPAT_DATE = "2025-09-01";

// What the user typed to get here: `dosqlite serve` through the project's script, else this file.
const SELF = process.env.DOSQLITE_SERVE_NAME || "node scripts/serve.mjs";

function usage(msg) {
  if (msg) process.stderr.write(`${SELF}: ${msg}\n`);
  process.stderr.write(
    `usage: ${SELF} [--port N] [--data DIR] [--token T] [--host 127.0.0.1]\n` +
      "       [--retain-ms MS] [--retain-versions N] [--idem-keys N] [--idem-ms MS] [--stage-ttl-ms MS] [--lease-ms MS]\n",
  );
  process.exit(2);
}

const opts = { host: "127.0.0.1", port: null, data: null, token: null, ignoreStdin: false };
const numeric = {
  "--retain-ms": "DOSQLITE_RETAIN_MS",
  "--retain-versions": "DOSQLITE_RETAIN_VERSIONS",
  "--idem-keys": "DOSQLITE_IDEM_KEYS",
  "--idem-ms": "DOSQLITE_IDEM_MS",
  "--stage-ttl-ms": "DOSQLITE_STAGE_TTL_MS",
  "--lease-ms": "DOSQLITE_LEASE_MS",
  "--billing-flush-ms": "DOSQLITE_BILLING_FLUSH_MS",
};
const tuning = {};
for (const k of Object.values(numeric)) if (process.env[k]) tuning[k] = process.env[k];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  let a = argv[i];
  let val;
  const eq = a.indexOf("=");
  if (a.startsWith("--") && eq > 0) {
    val = a.slice(eq + 1);
    a = a.slice(0, eq);
  }
  const next = () => {
    if (val !== undefined) return val;
    if (i + 1 >= argv.length) usage(`${a} needs a value`);
    return argv[++i];
  };
  if (a === "--port") opts.port = next();
  else if (a === "--data") opts.data = next();
  else if (a === "--token") opts.token = next();
  else if (a === "--host") opts.host = next();
  else if (a === "--ignore-stdin") opts.ignoreStdin = true;
  else if (a in numeric) {
    const v = next();
    if (!/^[0-9]+$/.test(v)) usage(`${a} must be a non-negative integer`);
    tuning[numeric[a]] = v;
  } else if (a === "--help" || a === "-h") usage();
  else usage(`unknown argument ${a}`);
}
if (opts.port === null) opts.port = "8787";
if (!/^[0-9]+$/.test(String(opts.port)) || Number(opts.port) < 1 || Number(opts.port) > 65535) usage("--port must be 1..65535");
if (!opts.data) opts.data = "./data";
if (!opts.token) opts.token = process.env.DOSQLITE_TOKEN || null;
if (!opts.token) {
  opts.token = "dev-token";
  process.stderr.write("WARNING: no --token and no DOSQLITE_TOKEN given; using the development token 'dev-token'. Do not expose this server.\n");
}
for (const [k, v] of Object.entries(tuning)) {
  if (!/^[0-9]+$/.test(v)) usage(`${k} must be a non-negative integer`);
}

const dataDir = path.resolve(opts.data);
fs.mkdirSync(dataDir, { recursive: true });

// One server per data directory: workerd keeps each Durable Object's state in memory (versions,
// idempotency keys, stages), so two processes on one directory would each believe their own.
// A lock file names the running one, as PostgreSQL's postmaster.pid does; a stale one (its
// process is gone) is taken over.
const lockPath = path.join(dataDir, "server.lock");
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}
function holderAlive(h) {
  return h && ((Number.isInteger(h.pid) && h.pid !== process.pid && alive(h.pid)) || (Number.isInteger(h.workerd) && alive(h.workerd)));
}
function writeLock(fd, workerd) {
  fs.writeSync(fd, JSON.stringify({ pid: process.pid, workerd, url: `http://${opts.host}:${opts.port}` }) + "\n", 0);
}
function takeLock() {
  const stopping = Date.now() + 5000; // a server that is stopping (its workerd just died) gets a moment
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const fd = fs.openSync(lockPath, "wx", 0o600);
      writeLock(fd, null);
      fs.closeSync(fd);
      return;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
    }
    let holder = null;
    let young = false;
    try {
      young = Date.now() - fs.statSync(lockPath).mtimeMs < 2000;
      holder = JSON.parse(fs.readFileSync(lockPath, "utf8"));
    } catch {}
    if ((holderAlive(holder) || (holder === null && young)) && Date.now() < stopping) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      continue;
    }
    if (holderAlive(holder)) {
      process.stderr.write(
        `${SELF}: another page server (pid ${holder.pid}, ${holder.url}) is already running on the data directory ${dataDir}.\n` +
          `Connect to it, stop it, or start this one with another --data DIR.\n`,
      );
      process.exit(1);
    }
    try {
      fs.unlinkSync(lockPath); // stale: its process is gone
    } catch {}
  }
  process.stderr.write(`${SELF}: cannot take the lock ${lockPath}\n`);
  process.exit(1);
}
takeLock();
function releaseLock() {
  try {
    const holder = JSON.parse(fs.readFileSync(lockPath, "utf8"));
    if (holder.pid === process.pid) fs.unlinkSync(lockPath);
  } catch {}
}
process.stderr.write(`data directory: ${dataDir}\n`);

// 1. The bundle.
const workerJs = path.join(root, "dist", "worker.js");
function newestSource() {
  let newest = 0;
  const srcDir = path.join(root, "src");
  if (!fs.existsSync(srcDir)) return 0;
  for (const f of fs.readdirSync(srcDir)) newest = Math.max(newest, fs.statSync(path.join(srcDir, f)).mtimeMs);
  return newest;
}
if (!fs.existsSync(workerJs) || fs.statSync(workerJs).mtimeMs < newestSource()) {
  process.stderr.write("dist/worker.js missing or older than src/; building it\n");
  const { bundle } = await import("./build.mjs");
  await bundle();
}
fs.copyFileSync(workerJs, path.join(dataDir, "worker.js"));

// 2. The workerd binary (shipped inside the npm package @cloudflare/workerd-linux-64 etc.).
function findWorkerd() {
  if (process.env.WORKERD_BIN) return process.env.WORKERD_BIN;
  const require = createRequire(path.join(root, "package.json"));
  const plat = { linux: "linux", darwin: "darwin", win32: "windows" }[process.platform];
  const arch = { x64: "64", arm64: "arm64" }[process.arch];
  const ext = process.platform === "win32" ? ".exe" : "";
  try {
    // Resolve the binary package next to the `workerd` package this project pins.
    const viaPkg = createRequire(require.resolve("workerd/package.json"));
    return viaPkg.resolve(`@cloudflare/workerd-${plat}-${arch}/bin/workerd${ext}`);
  } catch {}
  try {
    return require.resolve(`@cloudflare/workerd-${plat}-${arch}/bin/workerd${ext}`);
  } catch {
    try {
      const pkg = path.dirname(require.resolve("workerd/package.json"));
      const p = path.join(pkg, "bin", "workerd");
      if (fs.existsSync(p)) return p;
    } catch {}
  }
  process.stderr.write("serve.mjs: workerd binary not found; run `npm ci` in page-server/ first\n");
  process.exit(1);
}
const workerdBin = findWorkerd();

// 3. The config.
const capStr = (s) => JSON.stringify(String(s));
const instance = randomUUID();
const bindings = [
  `(name = "DOSQLITE_TOKEN", text = ${capStr(opts.token)})`,
  `(name = "DOSQLITE_INSTANCE", text = ${capStr(instance)})`,
  ...Object.entries(tuning).map(([k, v]) => `(name = ${capStr(k)}, text = ${capStr(v)})`),
  `(name = "DATABASE", durableObjectNamespace = "DatabaseDO")`,
  `(name = "CATALOG", durableObjectNamespace = "CatalogDO")`,
];
const config = `# Generated by page-server/scripts/serve.mjs; rewritten on every start.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .pageServer),
    (name = "storage", disk = (path = ${capStr(dataDir)}, writable = true)),
  ],
  sockets = [
    (name = "http", address = ${capStr(`${opts.host}:${opts.port}`)}, http = (), service = "main"),
  ],
);

const pageServer :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${COMPAT_DATE}",
  durableObjectNamespaces = [
    (className = "DatabaseDO", uniqueKey = "${UNIQUE_KEY}", enableSql = true),
    (className = "CatalogDO", uniqueKey = "${CATALOG_KEY}", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "storage"),
  bindings = [
    ${bindings.join(",\n    ")}
  ],
);
`;
const configPath = path.join(dataDir, "config.capnp");
fs.writeFileSync(configPath, config, { mode: 0o600 });

// 4. Spawn.
const child = spawn(workerdBin, ["serve", configPath, "--experimental"], {
  cwd: dataDir,
  stdio: ["ignore", "pipe", "pipe"],
});
child.stdout.pipe(process.stderr); // keep our stdout to the two protocol lines
let portBusy = false;
child.stderr.on("data", (d) => {
  if (String(d).includes("Address already in use")) portBusy = true;
  process.stderr.write(d);
});
let exited = false;
child.on("error", (e) => {
  process.stderr.write(`serve.mjs: cannot start workerd: ${e.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  exited = true;
  let rc = code;
  if (rc === null) {
    const signos = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
    rc = 128 + (signos[signal] ?? 1);
  }
  if (!ready) {
    process.stderr.write(`${SELF}: workerd exited before it was ready (code ${code}, signal ${signal})\n`);
    if (portBusy) process.stderr.write(`${SELF}: port ${opts.port} is in use on ${opts.host}; pick another with --port N\n`);
  }
  process.exit(rc);
});
process.stdout.write(`workerd pid ${child.pid}\n`);
try {
  const fd = fs.openSync(lockPath, "r+");
  fs.ftruncateSync(fd, 0);
  writeLock(fd, child.pid); // an orphaned workerd still holds the directory
  fs.closeSync(fd);
} catch {}

function stopChild(sig = "SIGTERM") {
  if (exited) return;
  try {
    child.kill(sig);
  } catch {}
  // workerd normally exits at once on SIGTERM; make sure.
  setTimeout(() => {
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch {}
    }
  }, 5000).unref();
}
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(sig, () => stopChild(sig));
// Never leave workerd behind, whatever ends this process (uncaught error, process.exit).
process.on("exit", () => {
  releaseLock();
  if (!exited) {
    try {
      child.kill("SIGKILL");
    } catch {}
  }
});
process.on("uncaughtException", (e) => {
  process.stderr.write(`serve.mjs: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
// Watch stdin when it is a pipe or socket (a parent process holds the other end). A terminal,
// /dev/null or a file is not watched: their EOF says nothing about a parent.
let stdinIsPipe = false;
try {
  const st = fs.fstatSync(0);
  stdinIsPipe = st.isFIFO() || st.isSocket();
} catch {}
if (!opts.ignoreStdin && stdinIsPipe) {
  process.stdin.on("data", () => {});
  process.stdin.on("end", () => stopChild("SIGTERM"));
  process.stdin.on("error", () => stopChild("SIGTERM"));
  process.stdin.resume();
}

// 5. Wait until our workerd answers HTTP. The probe carries no token: our worker answers 401 with
// X-Dosqlite-Instance = this start's random id, so another server holding the port (workerd
// then fails to bind and exits) is never mistaken for ours.
let ready = false;
const pollHost = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host;
const deadline = Date.now() + 60_000;
function poll() {
  if (exited) return;
  const req = http.get({ host: pollHost, port: Number(opts.port), path: "/v1/databases", timeout: 1000 }, (res) => {
    res.resume();
    if (res.headers["x-dosqlite-instance"] !== instance) {
      retry();
      return;
    }
    ready = true;
    const shownHost = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
    const url = `http://${shownHost}:${opts.port}`;
    process.stderr.write(
      `page server ready at ${url} (token: ${opts.token === "dev-token" ? "dev-token" : "the one given"})\n` +
        `connect with: jdbc:dosqlite:${url}/DATABASE and the token in DOSQLITE_TOKEN or the 'token' property\n`,
    );
    process.stdout.write(`READY ${url}\n`);
  });
  req.on("timeout", () => req.destroy(new Error("timeout")));
  req.on("error", retry);
}
function retry() {
  if (exited || ready) return;
  if (Date.now() > deadline) {
    process.stderr.write("serve.mjs: workerd did not answer within 60 s; stopping it\n");
    stopChild("SIGKILL");
    return;
  }
  setTimeout(poll, 100);
}
poll();

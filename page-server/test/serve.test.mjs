// The serve.mjs contract the Java side relies on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import readline from "node:readline";
import { SERVE, api, freePort, pidAlive, startServer, tempDir } from "./helpers.mjs";

const waitDead = async (pid, ms = 10_000) => {
  const end = Date.now() + ms;
  while (pidAlive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return !pidAlive(pid);
};

test("prints `workerd pid N` then `READY http://HOST:PORT`, exactly once each", async () => {
  const s = await startServer();
  try {
    assert.equal(s.lines.length, 2, s.lines.join("|"));
    assert.match(s.lines[0], /^workerd pid \d+$/);
    assert.equal(s.lines[1], `READY http://127.0.0.1:${s.port}`);
    assert.ok(pidAlive(s.workerdPid));
    assert.equal((await s.api("GET", "/v1/databases")).status, 200);
  } finally {
    await s.stop();
  }
  assert.ok(await waitDead(s.workerdPid), "workerd is gone after SIGTERM");
});

test("stdin EOF stops workerd and serve.mjs", async () => {
  const s = await startServer();
  s.proc.stdin.end();
  const { code } = await s.exited;
  assert.equal(typeof code, "number");
  assert.ok(await waitDead(s.workerdPid), "no orphan workerd");
});

test("SIGINT is forwarded; killing workerd ends serve.mjs with 137", async () => {
  const s = await startServer();
  s.proc.kill("SIGINT");
  await s.exited;
  assert.ok(await waitDead(s.workerdPid));
  const s2 = await startServer();
  const r = await s2.kill9();
  assert.equal(r.code, 137);
});

test("token from DOSQLITE_TOKEN, and the dev-token default with a warning", async () => {
  const s = await startServer({ tokenArg: false, token: "from-env", env: { DOSQLITE_TOKEN: "from-env" } });
  try {
    assert.equal((await s.api("GET", "/v1/databases")).status, 200);
    assert.equal((await api(s.url, "dev-token", "GET", "/v1/databases")).status, 401);
  } finally {
    await s.stop();
  }
  const d = await startServer({ tokenArg: false, token: "dev-token", env: { DOSQLITE_TOKEN: undefined } });
  try {
    assert.equal((await d.api("GET", "/v1/databases")).status, 200);
    assert.match(d.stderr, /WARNING.*dev-token/);
  } finally {
    await d.stop();
  }
});

test("a port in use makes serve.mjs fail without READY", async () => {
  const blocker = net.createServer();
  const port = await freePort();
  await new Promise((r) => blocker.listen(port, "127.0.0.1", r));
  try {
    const proc = spawn(process.execPath, [SERVE, "--port", String(port), "--data", tempDir(), "--token", "t"], { stdio: ["pipe", "pipe", "pipe"] });
    const lines = [];
    readline.createInterface({ input: proc.stdout }).on("line", (l) => lines.push(l));
    let stderr = "";
    proc.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise((r) => proc.on("exit", (c) => r(c)));
    assert.notEqual(code, 0);
    assert.ok(!lines.some((l) => l.startsWith("READY")), lines.join("|"));
    assert.match(stderr, new RegExp(`port ${port} is in use.*--port N`), stderr);
  } finally {
    blocker.close();
  }
});

test("one server per data directory: a second is refused and names the running one; a stale lock is taken over", async () => {
  const dataDir = tempDir();
  const first = await startServer({ dataDir });
  try {
    const proc = spawn(process.execPath, [SERVE, "--port", String(await freePort()), "--data", dataDir, "--token", "t"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    proc.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise((r) => proc.on("exit", (c) => r(c)));
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(`another page server \\(pid \\d+, http://127.0.0.1:${first.port}\\) is already running`), stderr);
    assert.match(stderr, /--data DIR/, stderr);
    assert.equal((await first.api("GET", "/v1/databases")).status, 200, "the running server is untouched");
  } finally {
    await first.stop();
  }
  // killed without cleaning up: serve.mjs and workerd are gone, the lock file stays behind
  const crashed = await startServer({ dataDir });
  crashed.proc.kill("SIGKILL");
  process.kill(crashed.workerdPid, "SIGKILL");
  await crashed.exited;
  assert.ok(await waitDead(crashed.workerdPid));
  const next = await startServer({ dataDir });
  try {
    assert.match(next.stderr, new RegExp(`data directory: ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    assert.equal((await next.api("GET", "/v1/databases")).status, 200);
  } finally {
    await next.stop();
  }
});

test("bad arguments exit 2 with usage", async () => {
  const proc = spawn(process.execPath, [SERVE, "--port", "nope", "--data", tempDir()], { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  proc.stderr.on("data", (d) => (err += d));
  const code = await new Promise((r) => proc.on("exit", (c) => r(c)));
  assert.equal(code, 2);
  assert.match(err, /usage/);
});

test("--ignore-stdin keeps the server up after stdin EOF", async () => {
  const s = await startServer({ args: ["--ignore-stdin"] });
  try {
    s.proc.stdin.end();
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(pidAlive(s.workerdPid));
    assert.equal((await s.api("GET", "/v1/databases")).status, 200);
  } finally {
    await s.stop();
  }
  assert.ok(await waitDead(s.workerdPid));
});

test("stdin /dev/null is not watched: the server stays up", async () => {
  const port = await freePort();
  const proc = spawn(process.execPath, [SERVE, "--port", String(port), "--data", tempDir(), "--token", "t"], { stdio: ["ignore", "pipe", "pipe"] });
  const lines = [];
  const ready = new Promise((resolve) => readline.createInterface({ input: proc.stdout }).on("line", (l) => { lines.push(l); if (l.startsWith("READY")) resolve(); }));
  const exited = new Promise((r) => proc.on("exit", (c) => r(c)));
  try {
    await ready;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(proc.exitCode, null);
    assert.equal((await api(`http://127.0.0.1:${port}`, "t", "GET", "/v1/databases")).status, 200);
  } finally {
    proc.kill("SIGTERM");
    await exited;
  }
  const pid = Number(/^workerd pid (\d+)$/.exec(lines[0])[1]);
  assert.ok(await waitDead(pid));
});

test("a port held by another HTTP server: serve.mjs fails instead of reporting READY", async () => {
  const other = http.createServer((req, res) => {
    res.writeHead(401, { "Content-Type": "application/json" });
    res.end('{"error":"unauthorized"}');
  });
  const port = await freePort();
  await new Promise((r) => other.listen(port, "127.0.0.1", r));
  try {
    const proc = spawn(process.execPath, [SERVE, "--port", String(port), "--data", tempDir(), "--token", "t"], { stdio: ["pipe", "pipe", "pipe"] });
    const lines = [];
    readline.createInterface({ input: proc.stdout }).on("line", (l) => lines.push(l));
    const code = await new Promise((r) => proc.on("exit", (c) => r(c)));
    assert.notEqual(code, 0);
    assert.ok(!lines.some((l) => l.startsWith("READY")), lines.join("|"));
  } finally {
    other.close();
  }
});

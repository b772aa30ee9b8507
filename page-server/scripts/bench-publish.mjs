#!/usr/bin/env node
// Time of publishing a stage: stage 2,560 random 4-KiB pages in 1 MiB requests, then commit with
// 300 more pages in the body naming the stage, and print the commit request's time.
//
//   node scripts/bench-publish.mjs [--runs 5] [--staged 2560] [--same-db] [--url URL --token T]
//
// --staged 0 commits the 300 body pages alone: the part of the time that is not publishing.
//
// Without --url it starts serve.mjs on a free port with a temporary data directory. Every run
// uses a new database, so runs are alike (with --same-db they commit on top of each other instead,
// which also supersedes the previous run's pages).
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { frames, newKey, startServer } from "../test/helpers.mjs";

const PS = 4096;
const INLINE = 300;
const PER_REQUEST = Math.floor((1024 * 1024) / (8 + PS));

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt("--runs", "5"));
const sameDb = args.includes("--same-db");
const STAGED = Number(opt("--staged", "2560"));
let server = null;
let url = opt("--url", null);
let token = opt("--token", "bench-token");
if (url === null) {
  server = await startServer({ token });
  url = server.url;
}

async function call(method, p, body, headers = {}) {
  const res = await fetch(url + p, { method, body, headers: { Authorization: `Bearer ${token}`, ...headers } });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const randomPages = (first, n) => Array.from({ length: n }, (_, i) => ({ pgno: first + i, data: new Uint8Array(randomBytes(PS)) }));

const createDb = async (db) => await call("PUT", `/v1/databases/${db}`, JSON.stringify({ pageSize: PS }), { "Content-Type": "application/json" });
const times = [];
try {
  let db = null;
  for (let run = 0, base = 0; run < runs; run++, base++) {
    if (db === null || !sameDb) {
      db = `bench-${Date.now()}-${run}`;
      await createDb(db);
      base = 0;
    }
    const stage = `st-${run}-${Date.now()}`;
    const staged = randomPages(1, STAGED);
    const s0 = performance.now();
    for (let i = 0; i < staged.length; i += PER_REQUEST) {
      await call("POST", `/v1/databases/${db}/stage/${stage}?pageSize=${PS}`, frames(staged.slice(i, i + PER_REQUEST)));
    }
    const stageMs = performance.now() - s0;
    const body = frames(randomPages(STAGED + 1, INLINE));
    let q = `/v1/databases/${db}/commit?base=${base}&pageCount=${STAGED + INLINE}&pageSize=${PS}`;
    if (STAGED > 0) q += `&stage=${stage}`;
    const t0 = performance.now();
    const r = await call("POST", q, body, { "Idempotency-Key": newKey("bench"), "Content-Type": "application/octet-stream" });
    const ms = performance.now() - t0;
    if (r.pages !== STAGED + INLINE) throw new Error(`commit wrote ${r.pages} pages`);
    times.push(ms);
    console.log(`run ${run + 1}: commit (publish ${STAGED} staged + ${INLINE} inline) ${ms.toFixed(1)} ms (staging took ${stageMs.toFixed(0)} ms)`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms`);
} finally {
  await server?.stop();
}

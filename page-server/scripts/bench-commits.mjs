#!/usr/bin/env node
// The Durable Object's own commit ceiling: small commits (page 1 and one leaf, the shape of an
// autocommit 1-row UPDATE) from several lanes at once, each based on the newest version its lane
// knows and checked page by page (reads=), so lanes on different leaves never conflict. Prints
// commits/s and workerd's CPU time per commit (from /proc), per lane count.
//
//   node scripts/bench-commits.mjs [--lanes 1,8,16] [--seconds 5] [--pages 400]
//
// Starts serve.mjs on a free port with a temporary data directory; no latency is added.
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import { commit, makePage, newKey, sqliteFile, startServer } from "../test/helpers.mjs";

const PS = 4096;
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const laneCounts = opt("--lanes", "1,8,16").split(",").map(Number);
const seconds = Number(opt("--seconds", "5"));
const PAGES = Number(opt("--pages", "400"));

/** workerd's user+system CPU time so far, in ms (Linux only; NaN elsewhere). */
function cpuMs(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

const server = await startServer({ token: "bench-token" });
try {
  const file = sqliteFile(PS, PAGES);
  const pageOne = file.subarray(0, PS);
  let version = 0;
  let seq = 0;
  const db = "bench-commits";
  const created = await server.api("PUT", `/v1/databases/${db}`, { body: { pageSize: PS } });
  if (created.status >= 300) throw new Error(`create: ${created.status} ${created.text}`);
  const pages = [];
  for (let p = 1; p <= PAGES; p++) pages.push({ pgno: p, data: file.subarray((p - 1) * PS, p * PS) });
  const first = await commit(server, db, { base: 0, pageCount: PAGES, pages });
  if (first.status !== 200) throw new Error(`load: ${first.status} ${first.text}`);
  version = first.json.version;

  console.log("| lanes | commits | per second | refused | workerd CPU ms per commit | p50 ms | p99 ms |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const lanes of laneCounts) {
    let commits = 0;
    let refused = 0;
    const times = [];
    const deadline = performance.now() + seconds * 1000;
    const cpu0 = cpuMs(server.workerdPid);
    const t0 = performance.now();
    const lane = async (i) => {
      const span = Math.floor((PAGES - 1) / lanes);
      while (performance.now() < deadline) {
        const leaf = 2 + i * span + Math.floor(Math.random() * span);
        const base = version;
        const s = performance.now();
        const r = await commit(server, db, {
          base,
          pageCount: PAGES,
          pages: [{ pgno: 1, data: pageOne }, { pgno: leaf, data: makePage(PS, leaf, ++seq) }],
          reads: [1, leaf],
          key: newKey("b"),
        });
        times.push(performance.now() - s);
        if (r.status === 200) {
          commits++;
          version = Math.max(version, r.json.version);
        } else if (r.status === 409) {
          refused++;
          version = Math.max(version, r.json.version ?? version);
        } else {
          throw new Error(`commit: ${r.status} ${r.text}`);
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = cpuMs(server.workerdPid) - cpu0;
    times.sort((a, b) => a - b);
    const q = (f) => times[Math.min(times.length - 1, Math.floor(f * times.length))].toFixed(1);
    console.log(`| ${lanes} | ${commits} | ${(commits / elapsed).toFixed(0)} | ${refused} | ${(cpu / commits).toFixed(2)} | ${q(0.5)} | ${q(0.99)} |`);
  }
} finally {
  await server.stop();
}

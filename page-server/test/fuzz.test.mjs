// The page API under hostile input (test/fuzz.mjs). The regular suite sends a few thousand
// requests; DOSQLITE_FUZZ_REQUESTS=100000 npm run fuzz sends the full run (figures: docs/protocol.md).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fuzz } from "./fuzz.mjs";
import { HAVE_SQLITE3, pidAlive, startServer } from "./helpers.mjs";

const SECRET = "fuzz-secret-0123456789abcdef";
const COUNT = Number(process.env.DOSQLITE_FUZZ_REQUESTS || 3000);
const SEED = Number(process.env.DOSQLITE_FUZZ_SEED || Date.now() % 100000);
let s;
before(async () => {
  s = await startServer({ args: ["--token-secret", SECRET] });
});
after(async () => {
  await s?.stop();
});

test(`${COUNT} fuzzed requests: no crash, no 5xx, refused requests change nothing, integrity ok`, { skip: !HAVE_SQLITE3 && "needs the sqlite3 command", timeout: 3_600_000 }, async () => {
  const started = Date.now();
  let stats;
  try {
    stats = await fuzz(s, { count: COUNT, seed: SEED, secret: SECRET, checkEvery: Number(process.env.DOSQLITE_FUZZ_CHECK_EVERY || 25), lanes: Number(process.env.DOSQLITE_FUZZ_LANES || 2), log: (m) => console.log(`# ${m}`) });
  } catch (e) {
    e.message = `seed ${SEED}: ${e.message}`;
    throw e;
  }
  console.log(`# FUZZ seed=${SEED} ${JSON.stringify(stats)} seconds=${(Date.now() - started) / 1000}`);
  assert.equal(stats.requests, COUNT);
  assert.equal(stats.fiveHundreds, 0);
  assert.ok(pidAlive(s.workerdPid), "workerd crashed");
  for (const [db, verdict] of Object.entries(stats.integrity)) assert.equal(verdict, "ok", db);
  assert.ok(stats.refused > COUNT / 3, `most mutations should be refused (${stats.refused})`);
});

// `wrangler deploy --dry-run` must work offline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT, tempDir } from "./helpers.mjs";

test("wrangler deploy --dry-run succeeds offline", () => {
  const out = tempDir("dosqlite-dry-");
  const bin = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  const r = spawnSync(process.execPath, [bin, "deploy", "--dry-run", "--outdir", out], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", WRANGLER_LOG_PATH: path.join(out, "logs") },
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /DatabaseDO/);
  assert.match(r.stdout, /CatalogDO/);
  const js = fs.readFileSync(path.join(out, "worker.js"), "utf8");
  assert.ok(/export\s*\{[^}]*\bDatabaseDO\b/.test(js), "the bundle exports DatabaseDO");
  assert.ok(/export\s*\{[^}]*\bCatalogDO\b/.test(js), "the bundle exports CatalogDO");
});

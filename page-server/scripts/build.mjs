// Bundle src/index.ts to dist/worker.js (ES module for workerd / wrangler).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function bundle() {
  await build({
    entryPoints: [path.join(root, "src/index.ts")],
    outfile: path.join(root, "dist/worker.js"),
    bundle: true,
    format: "esm",
    target: "es2022",
    platform: "neutral",
    external: ["cloudflare:*"],
    logLevel: "warning",
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundle();
  console.log("built dist/worker.js");
}

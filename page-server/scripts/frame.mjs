#!/usr/bin/env node
// Writes page frames (u32 pageNo | u32 CRC-32C | page) for pages of a SQLite file to stdout,
// for trying the commit endpoint with curl:
//   node scripts/frame.mjs FILE PAGE [PAGE...] > frames.bin
import fs from "node:fs";

const [file, ...pages] = process.argv.slice(2);
if (!file || pages.length === 0) {
  process.stderr.write("usage: node scripts/frame.mjs FILE PAGE [PAGE...]\n");
  process.exit(2);
}
const T = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  T[n] = c >>> 0;
}
const crc32c = (...parts) => {
  let c = 0xffffffff;
  for (const b of parts) for (const x of b) c = T[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const db = fs.readFileSync(file);
const raw = db.readUInt16BE(16);
const ps = raw === 1 ? 65536 : raw;
const out = [];
for (const p of pages.map(Number)) {
  const data = db.subarray((p - 1) * ps, p * ps);
  if (data.length !== ps) throw new Error(`page ${p} is beyond the end of ${file}`);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(p, 0);
  head.writeUInt32BE(crc32c(head.subarray(0, 4), data), 4);
  out.push(head, data);
}
process.stdout.write(Buffer.concat(out));

// Page frames (docs/protocol.md): u32 pgno | u32 crc32c(pgno ++ page) | pageSize bytes, back to
// back. Decoding verifies every frame before anything is written; encoding serves stored images.
// The patch format of commits is patches.ts.
import { compressIfAccepted } from "./compression";
import { pageCrc } from "./crc32c";
import { HttpError } from "./http";

/** A verified page on its way into storage. */
export interface InPage {
  pgno: number;
  data: Uint8Array;
  crc: number;
  kind: number;
}

/** A page on its way out; null data is a page of zeros. */
export interface OutPage {
  pgno: number;
  data: Uint8Array | null;
  crc: number;
}

/** The b-tree page type byte; the interior prefetch selects pages by it. */
export function pageKind(pgno: number, data: Uint8Array): number {
  return pgno === 1 ? data[100] : data[0];
}

/** Parse and verify page frames. Throws 400 on any bad frame; nothing is written. */
export function parseFrames(body: Uint8Array, pageSize: number, maxPgno: number): Map<number, InPage> {
  const frameLen = 8 + pageSize;
  if (body.length % frameLen !== 0) {
    throw new HttpError(400, "bad_frame", `Body length ${body.length} is not a multiple of 8 + pageSize (${frameLen}); send whole frames: u32 pageNo, u32 crc, ${pageSize} bytes.`);
  }
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const pages = new Map<number, InPage>();
  for (let off = 0; off < body.length; off += frameLen) {
    const pgno = dv.getUint32(off);
    const crc = dv.getUint32(off + 4);
    if (pgno < 1 || pgno > maxPgno) {
      throw new HttpError(400, "page_out_of_range", `Page ${pgno} is out of range: pages must be 1..${maxPgno} (the pageCount of this commit).`);
    }
    const data = body.subarray(off + 8, off + frameLen);
    const actual = pageCrc(pgno, data);
    if (actual !== crc) {
      throw new HttpError(400, "bad_checksum", `CRC-32C mismatch on page ${pgno} (sent ${crc}, computed ${actual}); the page was corrupted in transit or computed wrongly. Nothing was written; resend.`);
    }
    pages.set(pgno, { pgno, data, crc, kind: pageKind(pgno, data) });
  }
  return pages;
}

/** Checks the CRC of each decoded page; the last frame of a page number wins. */
export function verifyFrames(frames: { pgno: number; data: Uint8Array; crc: number }[]): Map<number, InPage> {
  const pages = new Map<number, InPage>();
  for (const { pgno, data, crc } of frames) {
    const actual = pageCrc(pgno, data);
    if (actual !== crc) {
      throw new HttpError(400, "bad_checksum", `CRC-32C mismatch on page ${pgno} (sent ${crc}, computed ${actual}); the page was corrupted in transit, computed wrongly, or patched against a different image. Nothing was written; resend.`);
    }
    pages.set(pgno, { pgno, data, crc, kind: pageKind(pgno, data) });
  }
  return pages;
}

/** Frames for `count` pages, the i-th given by pageAt(i); its data must be null or pageSize bytes. */
export function encodeFrames(count: number, pageSize: number, pageAt: (i: number) => OutPage): Uint8Array {
  const frameLen = 8 + pageSize;
  const out = new Uint8Array(count * frameLen);
  const dv = new DataView(out.buffer);
  for (let i = 0, off = 0; i < count; i++, off += frameLen) {
    const { pgno, data, crc } = pageAt(i);
    dv.setUint32(off, pgno);
    dv.setUint32(off + 4, crc);
    if (data) out.set(data, off + 8);
  }
  return out;
}

/** An answer of frames, gzipped when the request accepts it (compression.ts). */
export function frameResponse(request: Request, frames: Uint8Array, version: number, pageSize: number): Response {
  return compressIfAccepted(request, new Response(frames, {
    status: 200,
    headers: {
      "Content-Type": "application/octet-stream",
      "X-Dosqlite-Version": String(version),
      "X-Dosqlite-Page-Size": String(pageSize),
    },
  }), frames.length);
}

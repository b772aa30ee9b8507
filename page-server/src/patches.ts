// Commit bodies in the patch format (`/commit?frames=patch`, docs/protocol.md): a page the base
// version already holds may be sent as the byte ranges that changed. Each frame:
//   u32 pgno | u32 crc32c(pgno ++ resulting page) | u32 length | length bytes
// length == pageSize: the whole page; otherwise runs of u16 offset | u16 count | count bytes,
// applied to the page as of the base version. The checksum covers the resulting page, so a
// patch applied to a different image than the client had is refused, never stored.

import { HttpError } from "./http";

export interface PatchedPage {
  pgno: number;
  data: Uint8Array;
  crc: number;
}

/**
 * Decodes a patch-format body into whole pages. `base(pgno)` is the page's image as of the
 * commit's base version (null: zeros). Checksums are verified by the caller.
 */
export function applyPatches(
  body: Uint8Array,
  pageSize: number,
  maxPgno: number,
  base: (pgno: number) => Uint8Array | null,
): PatchedPage[] {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out: PatchedPage[] = [];
  let off = 0;
  while (off < body.length) {
    if (off + 12 > body.length) throw badFrame(`a frame header at byte ${off} is cut short`);
    const pgno = dv.getUint32(off);
    const crc = dv.getUint32(off + 4);
    const len = dv.getUint32(off + 8);
    off += 12;
    if (pgno < 1 || pgno > maxPgno) {
      throw new HttpError(400, "page_out_of_range", `Page ${pgno} is out of range: pages must be 1..${maxPgno} (the pageCount of this commit).`);
    }
    if (len > pageSize || off + len > body.length) throw badFrame(`page ${pgno}: frame length ${len} runs past the page size or the body`);
    let data: Uint8Array;
    if (len === pageSize) {
      data = body.subarray(off, off + len);
    } else {
      data = new Uint8Array(pageSize);
      const was = base(pgno);
      if (was) data.set(was.subarray(0, pageSize));
      const end = off + len;
      let p = off;
      while (p < end) {
        if (p + 4 > end) throw badFrame(`page ${pgno}: a patch run header is cut short`);
        const at = dv.getUint16(p);
        const count = dv.getUint16(p + 2);
        p += 4;
        if (count === 0 || at + count > pageSize || p + count > end) {
          throw badFrame(`page ${pgno}: patch run of ${count} bytes at offset ${at} does not fit the page or the frame`);
        }
        data.set(body.subarray(p, p + count), at);
        p += count;
      }
    }
    out.push({ pgno, data, crc });
    off += len;
  }
  return out;
}

function badFrame(what: string): HttpError {
  return new HttpError(400, "bad_frame", `Malformed patch frame: ${what}. Nothing was written; send whole frames instead.`);
}

// Overflow chains of b-tree cells (SQLite file format, "Cell Payload Overflow Pages"): a row or
// index key too large for its page continues on a linked list of overflow pages, which a client
// can only discover one page per round trip. `/read` with "overflowBytes" follows them here.
import type { OutPage } from "./frames";

const TABLE_LEAF = 0x0d;
const INDEX_LEAF = 0x0a;
const INDEX_INTERIOR = 0x02;

/** Reads one page of the version being served; null data is a page of zeros. */
export type PageAt = (pgno: number) => OutPage;

/** A SQLite varint at `off`: its value and length (values past 2^53 are not payload sizes). */
function varint(b: Uint8Array, off: number): { value: number; len: number } {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    if (off + i >= b.length) return { value: -1, len: 1 };
    const c = b[off + i];
    v = v * 128 + (c & 0x7f);
    if ((c & 0x80) === 0) return { value: v, len: i + 1 };
  }
  if (off + 8 >= b.length) return { value: -1, len: 9 };
  return { value: v * 256 + b[off + 8], len: 9 };
}

/** The first overflow page of every cell of `page` that has one (none for other page types). */
export function overflowHeads(pgno: number, page: Uint8Array, usable: number, pageCount: number): number[] {
  const h = pgno === 1 ? 100 : 0;
  const type = page[h];
  if (type !== TABLE_LEAF && type !== INDEX_LEAF && type !== INDEX_INTERIOR) return [];
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const cells = dv.getUint16(h + 3);
  const ptrs = h + (type === INDEX_INTERIOR ? 12 : 8);
  const maxLocal = type === TABLE_LEAF ? usable - 35 : Math.floor(((usable - 12) * 64) / 255) - 23;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const heads: number[] = [];
  for (let i = 0; i < cells && ptrs + 2 * i + 2 <= page.length; i++) {
    let off = dv.getUint16(ptrs + 2 * i);
    if (type === INDEX_INTERIOR) off += 4; // left child pointer
    const p = varint(page, off);
    if (p.value <= maxLocal) continue; // also a malformed (-1) size
    off += p.len;
    if (type === TABLE_LEAF) off += varint(page, off).len; // rowid
    const k = minLocal + ((p.value - minLocal) % (usable - 4));
    const local = k <= maxLocal ? k : minLocal;
    if (off + local + 4 > page.length) continue;
    const first = dv.getUint32(off + local);
    if (first >= 2 && first <= pageCount) heads.push(first);
  }
  return heads;
}

/**
 * The overflow pages of the cells of `pages`, chain by chain in cell order, stopping before
 * `maxBytes` of page data. A page of `pages` is not repeated (its chain goes on from it); no page
 * is visited twice, so a corrupt chain cannot loop.
 */
export function followOverflow(pages: OutPage[], pageAt: PageAt, pageSize: number, usable: number, pageCount: number,
                               maxBytes: number): OutPage[] {
  const asked = new Map<number, OutPage>(pages.map((p) => [p.pgno, p]));
  const visited = new Set<number>();
  const out: OutPage[] = [];
  let room = Math.floor(maxBytes / pageSize);
  for (const p of pages) {
    if (room <= 0) break;
    if (!p.data) continue;
    for (const head of overflowHeads(p.pgno, p.data, usable, pageCount)) {
      let next = head;
      while (room > 0 && next >= 2 && next <= pageCount && !visited.has(next)) {
        visited.add(next);
        let page = asked.get(next);
        if (!page) {
          page = pageAt(next);
          out.push(page);
          room--;
        }
        next = page.data ? new DataView(page.data.buffer, page.data.byteOffset, 4).getUint32(0) : 0;
      }
      if (room <= 0) break;
    }
  }
  return out;
}

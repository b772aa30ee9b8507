// Forks share pages with their origin instead of copying them. Each database is one Durable
// Object, so a fork's object holds only the pages written since the fork; a page it never wrote
// is read from the origin's object (through the DATABASE namespace, by RPC) at the fork version,
// which the origin keeps for it (its `forks` table, honoured by gc.ts) until the fork is deleted.
// A fork of a fork reads through both. Origin pages at a fork version never change, so no
// ordering with the fork's own commits is needed.
import type { Env } from "./config";
import { HttpError } from "./http";
import type { OutPage } from "./frames";
import { type Meta, type Origin, type PageStore, originOf, toBytes } from "./storage";

/** What a fork's object may ask of its origin's object (implemented by DatabaseDO). */
export interface OriginApi {
  originPages(version: number, pgnos: number[]): Promise<OutPage[]>;
  originInterior(version: number): Promise<OutPage[]>;
}

export class Lineage {
  constructor(
    private store: PageStore,
    private env: Env,
  ) {}

  private origin(o: Origin): OriginApi {
    return this.env.DATABASE.get(this.env.DATABASE.idFromName(o.name)) as unknown as OriginApi;
  }

  /** Pages `pgnos` as of version v, in the order asked: stored here, else the origin's, else zeros. */
  async pages(m: Meta, pgnos: number[], v: number): Promise<OutPage[]> {
    const ps = m.page_size;
    const out: OutPage[] = new Array(pgnos.length);
    const missing: number[] = [];
    for (let i = 0; i < pgnos.length; i++) {
      const local = this.store.readLocal(pgnos[i], v, ps);
      if (local) out[i] = { pgno: pgnos[i], ...local };
      else missing.push(i);
    }
    if (missing.length === 0) return out;
    const o = originOf(m);
    const fromOrigin = o ? await this.fromOrigin(o, missing.map((i) => pgnos[i])) : new Map<number, OutPage>();
    for (const i of missing) out[i] = fromOrigin.get(pgnos[i]) ?? { pgno: pgnos[i], ...this.store.readPage(pgnos[i], v, ps) };
    return out;
  }

  /** The origin's images of pgnos at the fork version (pages past its page count read as zeros: absent). */
  async fromOrigin(o: Origin, pgnos: number[]): Promise<Map<number, OutPage>> {
    const want = pgnos.filter((p) => p <= o.pageCount);
    const got = new Map<number, OutPage>();
    for (let i = 0; i < want.length; i += 256) {
      const part = await this.origin(o).originPages(o.version, want.slice(i, i + 256));
      for (const p of part) got.set(p.pgno, p);
    }
    return got;
  }

  /** Interior pages (page 1 first, then ascending) of version v, at most `room` of them. */
  async interior(m: Meta, count: number, v: number, room: number): Promise<OutPage[]> {
    const out: OutPage[] = [];
    if (count < 1 || room < 1) return out;
    out.push(...(await this.pages(m, [1], v)));
    const ps = m.page_size;
    const local: OutPage[] = [];
    for (const row of this.store.interiorPages(count, v)) {
      const data = toBytes(row.data);
      if (data && data.length === ps) local.push({ pgno: row.pgno as number, data, crc: row.crc as number });
    }
    const o = originOf(m);
    let merged = local;
    if (o) {
      // The origin's interior pages this fork has not overwritten (with any kind of page).
      const written = new Set(this.store.pagesWrittenUpTo(v));
      const inherited = (await this.origin(o).originInterior(o.version)).filter((p) => p.pgno > 1 && p.pgno <= count && !written.has(p.pgno));
      merged = [...local, ...inherited].sort((a, b) => a.pgno - b.pgno);
    }
    for (const p of merged) {
      if (out.length >= room) break;
      out.push(p);
    }
    return out;
  }

  /** Pages first..last of version v for an export: pgno -> bytes (null = zeros). */
  async between(m: Meta, first: number, last: number, v: number): Promise<Map<number, Uint8Array | null>> {
    const got = new Map<number, Uint8Array | null>();
    for (const row of this.store.pagesBetween(first, last, v)) got.set(row.pgno as number, toBytes(row.data));
    const o = originOf(m);
    if (o && got.size < last - first + 1) {
      const missing: number[] = [];
      for (let p = first; p <= last; p++) if (!got.has(p)) missing.push(p);
      for (const [p, page] of await this.fromOrigin(o, missing)) got.set(p, page.data);
    }
    return got;
  }

  /** For patch commits on a fork: the origin's images of the pages a patch body names. */
  async patchBases(m: Meta, body: Uint8Array): Promise<Map<number, OutPage>> {
    const o = originOf(m);
    if (!o) return new Map();
    return await this.fromOrigin(o, patchPageNumbers(body));
  }

  /** Origin side: pages at a version a fork was made from (or any readable one). */
  async serveOrigin(pgnos: number[], version: number): Promise<OutPage[]> {
    const m = this.store.requireDb();
    if (version > m.version) throw new HttpError(500, "internal", `origin ${m.name} has no version ${version}`);
    const ps = m.page_size;
    const count = version === m.version ? m.page_count : ((this.store.sql.exec("SELECT page_count FROM commits WHERE version = ?", version).toArray()[0]?.page_count as number | undefined) ?? m.page_count);
    return await this.pages(m, pgnos.filter((p) => p >= 1 && p <= count), version);
  }
}

/** Page numbers of a patch-format body (u32 pgno | u32 crc | u32 L | L bytes), as far as it parses. */
function patchPageNumbers(body: Uint8Array): number[] {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out: number[] = [];
  for (let off = 0; off + 12 <= body.length; ) {
    out.push(dv.getUint32(off));
    off += 12 + dv.getUint32(off + 8);
  }
  return out;
}

// Page-level conflict detection (protocol v1.1): a commit based on an older version is accepted
// when no version since its base, other than the commits it was built on (its chain), wrote a
// page it read or writes. Page 1 changes on every commit (change counter), so it has its own rule.
import { pageCrc } from "./crc32c";
import { type InPage, pageKind } from "./frames";
import { HttpError } from "./http";
import type { Meta, PageStore } from "./storage";

/** How far behind the current version a page-checked commit may be based. */
export const MAX_BEHIND = 512;

/** The change counter (bytes 24-27) and its copy, the version-valid-for number (bytes 92-95). */
const COUNTERS: [number, number][] = [
  [24, 28],
  [92, 96],
];

/** What the server needs to decide a commit that may be based on an older version. */
export interface PageCheck {
  base: number;
  /** Pages the transaction read; null when the client sent none (the base must then be current). */
  reads: Set<number> | null;
  /** Versions made by commits of the same chain (built on by this one): not conflicts. */
  own: Set<number>;
}

/**
 * Throws 409 conflict unless the commit may land on the current version. Returns the pages
 * written since the base by versions outside its chain (so the client drops them from its cache),
 * or null when the base is the current version.
 */
export function checkPages(store: PageStore, m: Meta, c: PageCheck, writes: Map<number, InPage>): number[] | null {
  if (c.base === m.version) return null;
  const refuse = (why: string, page?: number) => {
    throw new HttpError(409, "conflict", `Commit based on version ${c.base} but the database is at version ${m.version}; ${why}. Roll back and retry the transaction.`, {
      version: m.version,
      ...(page !== undefined ? { page } : {}),
    });
  };
  if (c.base > m.version) refuse("that version does not exist yet");
  if (m.version - c.base > MAX_BEHIND) refuse(`it is more than ${MAX_BEHIND} versions behind`);
  if (c.base < store.oldestReadable(m, Date.now())) refuse("its base is no longer kept");
  const changed = new Set<number>();
  for (let v = c.base + 1; v <= m.version; v++) {
    if (c.own.has(v)) continue; // the client knows what its own chain wrote
    const written = store.writtenAt(v);
    for (const p of written) changed.add(p);
    if (c.reads === null) refuse("another client committed first");
    for (const p of written) {
      if (p === 1) {
        if (!sameBesidesCounters(store, v, m.page_size)) refuse(`version ${v} changed the schema, the free list or the page count (page 1)`);
      } else if (c.reads!.has(p) || writes.has(p)) {
        refuse(`version ${v} changed page ${p}, which this transaction read or wrote`, p);
      }
    }
  }
  return [...changed].sort((a, b) => a - b);
}

/**
 * The newest version u in [from, to] such that no version in (from, u] wrote a page of `reads`
 * (page 1 only when it changed besides its counters): what a reader that read `reads` at `from`
 * may read on at, seeing one consistent version. Null when `to` is more than MAX_BEHIND ahead.
 */
export function lastUnchanged(store: PageStore, pageSize: number, from: number, to: number, reads: Set<number>): number | null {
  if (to - from > MAX_BEHIND) return null;
  for (let v = from + 1; v <= to; v++) {
    for (const p of store.writtenAt(v)) {
      if (p === 1 ? reads.has(1) && !sameBesidesCounters(store, v, pageSize) : reads.has(p)) return v - 1;
    }
  }
  return to;
}

/** Whether version v's page 1 equals the page 1 before it, apart from the two counters. */
export function sameBesidesCounters(store: PageStore, v: number, pageSize: number): boolean {
  return store.pageOneSame(v, () => comparePageOne(store, v, pageSize));
}

function comparePageOne(store: PageStore, v: number, pageSize: number): boolean {
  const a = store.readPage(1, v, pageSize).data ?? new Uint8Array(pageSize);
  const b = store.readPage(1, v - 1, pageSize).data ?? new Uint8Array(pageSize);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(i >= 24 && i < 28) && !(i >= 92 && i < 96)) return false;
  }
  return true;
}

/**
 * Page 1 of a commit that lands on a newer version than its base: the client's image (or the
 * current one if it sent none) with the change counter set past the current one, so every other
 * connection's SQLite sees the database changed and drops its page cache.
 */
export function mergedPageOne(store: PageStore, m: Meta, writes: Map<number, InPage>): { page: InPage; counter: number } {
  const current = store.readPage(1, m.version, m.page_size).data ?? new Uint8Array(m.page_size);
  const mine = writes.get(1)?.data ?? current;
  const data = new Uint8Array(mine);
  const counter = (new DataView(current.buffer, current.byteOffset, current.byteLength).getUint32(24) + 1) >>> 0;
  const dv = new DataView(data.buffer);
  for (const [from] of COUNTERS) dv.setUint32(from, counter);
  return { page: { pgno: 1, data, crc: pageCrc(1, data), kind: pageKind(1, data) }, counter };
}

/**
 * Whether a commit based on the current version writes a page 1 whose change counter is not the
 * current counter + 1: its SQLite read page 1 at an older version (its read moved forward, see
 * lastUnchanged, where page 1 may differ in its counters alone).
 */
export function stalePageOne(store: PageStore, m: Meta, writes: Map<number, InPage>): boolean {
  const mine = writes.get(1)?.data;
  if (!mine || mine.length < 100 || m.page_count === 0 || !isSqliteHeader(mine)) return false;
  const current = store.readPage(1, m.version, m.page_size).data;
  if (!current || current.length < 96) return false;
  const counterOf = (d: Uint8Array) => new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(24);
  return counterOf(mine) !== ((counterOf(current) + 1) >>> 0);
}

const MAGIC = new TextEncoder().encode("SQLite format 3\0");

function isSqliteHeader(d: Uint8Array): boolean {
  for (let i = 0; i < MAGIC.length; i++) if (d[i] !== MAGIC[i]) return false;
  return true;
}

/** Parses `reads=1-5,9,12-14` (page numbers and inclusive ranges); null when absent. */
export function parseReads(value: string | null): Set<number> | null {
  if (value === null) return null;
  const out = new Set<number>();
  if (value === "") return out;
  for (const part of value.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new HttpError(400, "bad_request", `Invalid reads=${value.slice(0, 80)}: send page numbers and ranges like 1-5,9.`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 1_000_000 || out.size > 1_000_000) throw new HttpError(400, "bad_request", `Invalid reads range ${part}.`);
    for (let p = lo; p <= hi; p++) out.add(p);
  }
  return out;
}

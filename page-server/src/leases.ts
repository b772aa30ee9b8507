// Read leases and pushed invalidation (docs/protocol.md, "Read leases and push invalidation").
//
// A client holding a lease reads its cached pages without asking, so a new version may become
// visible to anyone only once every other lease holder has acknowledged its invalidation or its
// lease has run out (invariant 5). `hold` chains those waits: a commit's answer resolves after
// every earlier one's. Commits are applied without waiting for it (another writer's commit never
// queues behind a slow acknowledgement); readers are served the newest version no longer held
// back (`visibleVersion`), so a read never waits for holders either.
//
// Grants are persisted (one row per socket) because hibernation and restarts drop memory: a row
// whose socket is no longer connected is a holder nobody can reach, so a new version waits for its
// expiry. After a restart (kill -9) every row is such a holder, which is the restart rule; a holder
// that comes back on a new socket names the grants it gave up (`release` with `grants`), so the
// wait ends as soon as every holder of the earlier life came back, or at their expiry if one does not.
import { encodeFrames, pageKind } from "./frames";
import { MAX_CHANGED } from "./http";
import { parseReads, sameBesidesCounters } from "./pagecheck";
import { TOKEN_EXPIRES_HEADER } from "./tokens";
import type { PageStore } from "./storage";

export const LEASE_PROTOCOL = 1;
/** Commits at most this small push their pages, so a holder's cache stays warm. */
const PUSH_MAX_PAGES = 16;
const PUSH_MAX_BYTES = 256 * 1024;

interface Attachment {
  sid: string;
  client: string;
  /** The client's number for this socket (`&socket=`), named by its HTTP requests' X-Dosqlite-Lease. */
  socket?: string;
  /** Asked (`&own=1`) to be told of its own commits too, in order with the others (no ack awaited). */
  own?: boolean;
  /** When the scoped token the socket was opened with expires (ms since the epoch); none for the master token. */
  exp?: number;
  /** Takes page 1 as its two counters when nothing else of it changed (`&counters=1`). */
  counters?: boolean;
  /** Understands `unrecorded` (`&hot=1`): pages it writes itself may stop holding others' commits back. */
  hot?: boolean;
}

/** Close code of a push channel whose token expired (4000-4999: the application's own). */
export const TOKEN_EXPIRED_CLOSE = 4401;

/** An HTTP request of a lease holder that named its socket (X-Dosqlite-Lease). */
export interface Traffic {
  client: string;
  socket: string;
}

/**
 * What a holder may have cached, as far as this object served it: pages recorded before they
 * were read, pushed, written by it, or listed by it on a lease request; `interior` after an
 * interior prefetch. `complete` unless forgotten (hibernation) and not listed again since: then a
 * new version waits for the holder whatever it changed.
 */
interface Served {
  pages: Set<number>;
  interior: boolean;
  complete: boolean;
  /**
   * Pages no longer recorded because others change them while this holder writes them too (see
   * `unrecord`): their new images are still pushed, nobody waits for the holder on them, and it
   * trusts them no more. A fetch or a list records one again.
   */
  hot?: Set<number>;
  /** When this holder's client last wrote each page (insertion order: oldest first; at most MAX_WRITTEN). */
  written?: Map<number, number>;
  /** When another writer last changed a page this holder had just written (same bounds). */
  contested?: Map<number, number>;
}

/** A page a holder wrote this recently, changed by another writer, stops being recorded for it. */
const HOT_MS = 2_000;
const MAX_WRITTEN = 4_096;

/** Sets `m[p] = at` as the newest entry, keeping at most MAX_WRITTEN. */
function touch(m: Map<number, number>, p: number, at: number): void {
  m.delete(p);
  m.set(p, at);
  if (m.size > MAX_WRITTEN) m.delete(m.keys().next().value!);
}

/** Records `p` for a holder (served, listed): hot no more. */
function record(s: Served, p: number): void {
  s.pages.add(p);
  s.hot?.delete(p);
}

/** Records `p` for a holder that has it without asking (written, pushed), unless it is hot there. */
function recordUnlessHot(s: Served, p: number): void {
  if (!s.hot?.has(p)) s.pages.add(p);
}

/** A lease request's list of cached pages longer than this is not taken (the holder is then waited for as before). */
const MAX_LISTED_CHARS = 512 * 1024;

/** A page of a new version, as pushed to holders. */
type PageImage = { pgno: number; data: Uint8Array | null; crc: number };

/**
 * Page 1's change counter and version-valid-for number (bytes 24 and 92) when it is among the
 * pages to push and nothing else of it changed since the version before; else null.
 */
function pageOneCounters(store: PageStore, inv: Invalidation, push: PageImage[]): [number, number] | null {
  const one = push.find((img) => img.pgno === 1);
  if (!one?.data || one.data.length < 100 || inv.base !== inv.version - 1 || !sameBesidesCounters(store, inv.version, inv.pageSize)) return null;
  const dv = new DataView(one.data.buffer, one.data.byteOffset, one.data.byteLength);
  return [dv.getUint32(24), dv.getUint32(92)];
}

/** What a new version tells lease holders. */
export interface Invalidation {
  version: number;
  base: number;
  pageSize: number;
  pageCount: number;
  incarnation: string;
  changed: () => number[];
  deleted?: boolean;
  /** The commit's idempotency key and, if it landed on a newer base, its page 1 change counter (for the writer's own notice). */
  key?: string | null;
  counter?: number;
}

export class Leases {
  private hold: Promise<void> | null = null;
  /**
   * Versions applied but still held back, each with the promise that resolves once it and every
   * earlier one may be revealed (a link of `hold`).
   */
  private open = new Map<number, Promise<void>>();
  /** Acks awaited per socket id: resolve when the holder acknowledged `version` or later. */
  private waits = new Map<string, { version: number; done: () => void }[]>();
  /** Per socket id: the pages served to it, so pushes carry only pages it has (absent: unknown, push all). */
  private served = new Map<string, Served>();

  constructor(
    private ctx: DurableObjectState,
    private store: PageStore,
    private leaseMs: number,
  ) {
    // Pings must not wake a hibernated object (nor cost a request).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
    // Restart rule: holders granted by an earlier life whose socket is gone cannot be told about
    // new versions; nothing new becomes visible before their leases end, or their holders came
    // back on a new socket and released them (a client stops trusting a lease when its socket
    // breaks, before it can open another).
    const now = Date.now();
    const sockets = this.sockets();
    const prior = this.liveRows(now).filter((r) => !sockets.has(r.sid));
    if (prior.length > 0) {
      this.chain(this.outlived(new Set(prior.map((r) => r.sid))));
    }
  }

  /** Wakes the restart hold to look again (a grant of an earlier life was released). */
  private recheck: (() => void) | null = null;

  /** Resolves once none of `sids` is a live lease row: each ran out or was released. */
  private async outlived(sids: Set<string>): Promise<void> {
    for (;;) {
      const now = Date.now();
      let until = 0;
      for (const r of this.liveRows(now)) if (sids.has(r.sid)) until = Math.max(until, r.until_ms);
      if (until <= now) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, until - now);
        this.recheck = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.recheck = null;
    }
  }

  /**
   * The newest version a reader may be shown: `current` unless a version up to it is still held
   * back for holders, then the one before the oldest such.
   */
  visibleVersion(current: number): number {
    let v = current;
    for (const k of this.open.keys()) if (k - 1 < v) v = k - 1;
    return v;
  }

  /**
   * Resolves once every version applied so far may be revealed. Bounded: versions applied while
   * it waits are not waited for (a loop until nothing is held back would starve under a steady
   * stream of commits). For answers that name the current version outside the read paths.
   */
  async visible(): Promise<void> {
    let last: Promise<void> | null = null;
    let newest = -1;
    for (const [k, p] of this.open) if (k > newest) (newest = k), (last = p);
    if (last) await last;
  }

  /** GET /leases with Upgrade: websocket. */
  accept(request: Request, url: URL): Response {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response(JSON.stringify({ error: "upgrade_required", message: "GET /leases is a WebSocket: send Upgrade: websocket." }), {
        status: 426,
        headers: { "Content-Type": "application/json", Upgrade: "websocket" },
      });
    }
    const client = (url.searchParams.get("client") ?? "").slice(0, 64) || crypto.randomUUID();
    const socket = url.searchParams.get("socket")?.slice(0, 32) || undefined;
    const own = url.searchParams.get("own") === "1" || undefined;
    const counters = url.searchParams.get("counters") === "1" || undefined;
    const hot = url.searchParams.get("hot") === "1" || undefined;
    // set by the Worker from the verified token (it drops any the client sent)
    const expSeconds = Number(request.headers.get(TOKEN_EXPIRES_HEADER));
    const exp = request.headers.has(TOKEN_EXPIRES_HEADER) && Number.isSafeInteger(expSeconds) ? expSeconds * 1000 : undefined;
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    const sid = crypto.randomUUID();
    pair[1].serializeAttachment({ sid, client, socket, own, exp, counters, hot } satisfies Attachment);
    // a client that names its socket names it on its reads too: what it caches is known from here on
    if (socket) this.served.set(sid, { pages: new Set(), interior: false, complete: true });
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** A message from a holder: a lease request or an ack. */
  async message(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    let msg: any;
    try {
      msg = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
    } catch {
      ws.send(JSON.stringify({ type: "error", error: "bad_message", message: "Messages are JSON objects (see docs/protocol.md)." }));
      return;
    }
    const att = ws.deserializeAttachment() as Attachment;
    if (msg.type === "ack") {
      this.acked(att.sid, Number(msg.version));
    } else if (msg.type === "lease") {
      if (att.exp !== undefined && att.exp <= Date.now()) {
        // A lease is the right to read pushed pages: not past the token that opened the socket.
        ws.send(JSON.stringify({ type: "error", id: msg.id, error: "token_expired", message: `The token this push channel was opened with expired at ${new Date(att.exp).toISOString()}; connect again with a valid token.` }));
        ws.close(TOKEN_EXPIRED_CLOSE, "token expired");
        return;
      }
      // recorded before anything else happens: a commit from here on waits for what it lists
      const listed = this.listed(att, msg.cached, true);
      await this.visible();
      const g = this.grant(att, msg);
      ws.send(JSON.stringify(g.type === "lease" && listed ? { ...g, cached: true } : g));
    } else if (msg.type === "cache") {
      // read-ahead guesses the holder started to use: recorded from here on, so it may trust them
      // once this answer (after every invalidation sent before) reached it; `version`: a holder
      // that has not applied every version up to it (it missed some) must not trust them
      if (this.listed(att, msg.pages, false)) ws.send(JSON.stringify({ type: "cached", id: msg.id, version: this.store.meta().version }));
    } else if (msg.type === "release") {
      // the holder reads nothing more on this lease (or, with `grants`, on those of its sockets
      // that broke): commits need not wait for them
      const sids = Array.isArray(msg.grants) ? msg.grants.filter((g: unknown) => typeof g === "string").slice(0, 64) : [att.sid];
      this.ensureTable();
      for (const sid of sids) {
        // only the client's own grants: another client's id is no proof that it stopped trusting
        const own = this.store.sql.exec("SELECT 1 FROM leases WHERE sid = ? AND client = ?", sid, att.client).toArray().length > 0;
        if (!own && sid !== att.sid) continue;
        this.store.sql.exec("DELETE FROM leases WHERE sid = ?", sid);
        this.acked(sid, Number.MAX_SAFE_INTEGER);
      }
      this.recheck?.();
    } else {
      ws.send(JSON.stringify({ type: "error", id: msg.id, error: "bad_message", message: `Unknown message type ${JSON.stringify(msg.type)}.` }));
    }
  }

  /** The socket closed: its lease row stays until it expires (the client may not know yet). */
  closed(ws: WebSocket): void {
    const att = ws.deserializeAttachment() as Attachment | null;
    if (att) {
      this.served.delete(att.sid);
      this.acked(att.sid, Number.MAX_SAFE_INTEGER, false);
    }
  }

  /** The holder's socket an HTTP request names (X-Dosqlite-Client + X-Dosqlite-Lease), or null. */
  trafficOf(request: Request): Traffic | null {
    const socket = request.headers.get("X-Dosqlite-Lease");
    const client = request.headers.get("X-Dosqlite-Client");
    if (!socket || !client) return null;
    return { client, socket };
  }

  /**
   * Records pages (or the interior prefetch) served to the holder a request names, before they
   * are read; returns its socket's name, or null when the request names no connected socket.
   */
  recordServed(request: Request, pages: number[] | "interior"): string | null {
    const t = this.trafficOf(request);
    const ws = t && this.socketOf(t.client, t.socket);
    if (!ws) return null;
    const att = ws.deserializeAttachment() as Attachment;
    let s = this.served.get(att.sid);
    // forgotten (hibernation): what it cached before is unknown until it lists it again
    if (!s) this.served.set(att.sid, (s = { pages: new Set(), interior: false, complete: false }));
    if (pages === "interior") s.interior = true;
    else for (const p of pages) record(s, p);
    return t!.socket;
  }

  /**
   * A lease request's `cached` list (page ranges): everything the holder may read without asking
   * is recorded (and, `whole`, a forgotten record is whole again); or a `cache` message's pages.
   * False when absent or not taken.
   */
  private listed(att: Attachment, cached: unknown, whole: boolean): boolean {
    if (!att.socket || typeof cached !== "string" || cached.length > MAX_LISTED_CHARS) return false;
    let pages: Set<number>;
    try {
      pages = parseReads(cached)!;
    } catch {
      return false;
    }
    let s = this.served.get(att.sid);
    if (!s) this.served.set(att.sid, (s = { pages: new Set(), interior: false, complete: false }));
    for (const p of pages) record(s, p);
    if (whole) s.complete = true;
    return true;
  }

  /** Whether the request comes from a holder whose socket (named by its headers) is connected. */
  holderOf(request: Request): boolean {
    const t = this.trafficOf(request);
    return t !== null && this.socketOf(t.client, t.socket) !== null;
  }

  /**
   * Renewal riding on traffic the holder sends anyway (a read, a commit): if its lease on the named
   * socket is live, past half its length, and it has acknowledged every invalidation sent to it,
   * the lease runs another full length from now and the answer says so (X-Dosqlite-Lease-Ms). A lease that ran out is not
   * renewed here: its holder may have missed commits, so it asks on the socket (with `since`).
   */
  async onTraffic(t: Traffic, response: Response): Promise<Response> {
    const ws = this.socketOf(t.client, t.socket);
    if (!ws || response.status >= 300) return response;
    const att = ws.deserializeAttachment() as Attachment;
    if ((this.waits.get(att.sid)?.length ?? 0) > 0 || !this.hasTable()) return response;
    const now = Date.now();
    const row = this.store.sql.exec("SELECT until_ms FROM leases WHERE sid = ? AND until_ms > ?", att.sid, now).toArray()[0];
    if (!row) return response;
    // A renewal is a row write (and a storage transaction of its own) on every request: only once
    // less than half the lease is left. The client keeps trusting the lease it has meanwhile, and
    // the steady traffic of a busy holder renews it soon after half.
    if ((row.until_ms as number) - now > this.leaseMs / 2) return response;
    const ms = this.leaseLength(att, now);
    if (ms <= 0) return response;
    this.store.sql.exec("UPDATE leases SET until_ms = ? WHERE sid = ?", now + ms, att.sid);
    const out = new Response(response.body, response);
    out.headers.set("X-Dosqlite-Lease-Ms", String(ms));
    return out;
  }

  /** How long a lease granted now may run: never past the expiry of the socket's token. */
  private leaseLength(att: Attachment, now: number): number {
    return att.exp === undefined ? this.leaseMs : Math.min(this.leaseMs, att.exp - now);
  }

  /** The writer caches what it committed: pages to push it when others change them. */
  private wrote(writer: string, inv: Invalidation): void {
    if (this.served.size === 0 || inv.deleted) return;
    const now = Date.now();
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as Attachment | null;
      const served = att && att.client === writer ? this.served.get(att.sid) : undefined;
      if (!served) continue;
      const written = (served.written ??= new Map());
      for (const p of inv.changed()) {
        recordUnlessHot(served, p);
        if (p !== 1) touch(written, p, now); // every commit writes page 1 (see affects)
      }
    }
  }

  /**
   * The socket a writer's request names, if its pages are recorded there (published() recorded
   * what the commit wrote for every socket of the writer with a record): the answer says so.
   */
  recordedFor(request: Request): string | null {
    const t = this.trafficOf(request);
    const ws = t && this.socketOf(t.client, t.socket);
    if (!ws) return null;
    const att = ws.deserializeAttachment() as Attachment;
    return this.served.has(att.sid) ? t!.socket : null;
  }

  private socketOf(client: string, socket: string): WebSocket | null {
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as Attachment | null;
      if (att && att.client === client && att.socket === socket) return ws;
    }
    return null;
  }

  /**
   * A lease: the current version and what changed since the client's `since`, valid `ms` from
   * now here (the client counts from when it sent the request, so it stops trusting first).
   */
  private grant(att: Attachment, msg: any): Record<string, unknown> {
    let m;
    try {
      m = this.store.requireDb();
    } catch (e: any) {
      return { type: "error", id: msg.id, error: e?.code ?? "not_found", message: e?.message ?? String(e) };
    }
    const now = Date.now();
    this.ensureTable();
    this.store.sql.exec("DELETE FROM leases WHERE until_ms < ?", now);
    const ms = this.leaseLength(att, now);
    this.store.sql.exec("INSERT OR REPLACE INTO leases(sid, client, until_ms) VALUES (?, ?, ?)", att.sid, att.client, now + ms);
    const incarnation = String(m.created_ms);
    // waitsFor "cached": commits wait only for holders that may cache a page they change (see affects)
    const base = { type: "lease", id: msg.id, v: LEASE_PROTOCOL, ms, grant: att.sid, waitsFor: "cached", version: m.version, pageSize: m.page_size, pageCount: m.page_count, incarnation };
    const since = Number(msg.since);
    if (!Number.isSafeInteger(since) || since > m.version || (msg.incarnation != null && msg.incarnation !== incarnation)) {
      return { ...base, changed: [], complete: false };
    }
    if (since === m.version) return { ...base, changed: [], complete: true };
    const changed = this.store.changedSince(since, MAX_CHANGED + 1);
    return changed.length > MAX_CHANGED ? { ...base, changed: [], complete: false } : { ...base, changed, complete: true };
  }

  /** What the last published() waits for: holders that must acknowledge it, and whether earlier versions held back. */
  lastHold = { holders: 0, behind: false };

  /**
   * A new version was applied (or the database deleted): tell every other holder, and unless
   * `wait` is false keep it invisible until each acknowledged or its lease ran out.
   * Resolves when it may be answered.
   */
  published(inv: Invalidation, writer: string | null, wait: boolean): Promise<void> {
    if (writer !== null) this.wrote(writer, inv);
    const now = Date.now();
    const rows = this.liveRows(now);
    const sockets = rows.length > 0 ? this.sockets() : new Map<string, WebSocket>();
    const messages = new Map<string, { text: string; pushed: number[] }>();
    // the new images are read once, whatever the number of holders pushed different subsets of them
    let images: PageImage[] | undefined;
    const imagesOf = () => (images ??= inv.changed().map((p) => ({ pgno: p, ...this.store.readPage(p, inv.version, inv.pageSize) })));
    const pending: Promise<void>[] = [];
    let ownNotice: string | null = null;
    const affects = this.affects(inv);
    for (const r of rows) {
      if (writer !== null && r.client === writer) {
        // The writer learns from its answer; a socket that asked is also told here, in order with
        // everyone else's versions, so a later invalidation never finds a gap where its own commit
        // was (which would cost it its whole cache). Nothing to wait for: it wrote the pages.
        const ws = sockets.get(r.sid);
        if (ws && !inv.deleted && (ws.deserializeAttachment() as Attachment | null)?.own) {
          ownNotice ??= this.ownNotice(inv);
          try {
            ws.send(ownNotice);
          } catch {
            // its answer tells it too
          }
        }
        continue;
      }
      const ws = sockets.get(r.sid);
      const served = ws ? this.served.get(r.sid) : undefined;
      const att = ws ? (ws.deserializeAttachment() as Attachment | null) : null;
      const counters = att?.counters === true;
      // decided before the push, which records the pages it carries as cached there
      const mustAck = !served || !served.complete || affects(served);
      // after mustAck: this version still waits for the holder, which stops trusting them on reading it
      const unrecorded = served && att?.hot === true && writer !== null ? this.unrecord(inv, served, now) : [];
      if (ws) {
        try {
          ws.send(this.invalidationFor(inv, served, messages, imagesOf, mustAck, counters, unrecorded));
        } catch {
          // a broken socket: its lease still runs until it expires
        }
      }
      if (mustAck) pending.push(this.ackOrExpiry(r.sid, inv.version, r.until_ms - now));
    }
    const own = wait && pending.length > 0 ? Promise.all(pending).then(() => undefined) : null;
    this.lastHold = { holders: own === null ? 0 : pending.length, behind: this.hold !== null };
    if (own === null && this.hold === null) return Promise.resolve();
    // Even a version nobody must acknowledge (session mode, no other holder) stays behind the
    // earlier ones held back: it contains them.
    const p = this.chain(own ?? Promise.resolve());
    if (!inv.deleted) {
      this.open.set(inv.version, p);
      // readers are served the version before it meanwhile: history GC must keep it
      const release = this.store.pin(inv.version - 1);
      void p.then(() => {
        release();
        if (this.open.get(inv.version) === p) this.open.delete(inv.version);
      });
    }
    return p;
  }

  /**
   * Whether a new version changes a page a holder may have cached (then it must acknowledge it
   * before anyone sees the version). Page 1 counts only when it changed besides its two counters
   * (every commit bumps them; a holder's older page 1 reads the same otherwise); an interior
   * prefetch counts every page that was interior before this version (or unknown: a fork's).
   */
  private affects(inv: Invalidation): (served: Served) => boolean {
    let pageOne: boolean | undefined;
    const interiorBefore = new Map<number, boolean>();
    const wasInterior = (p: number) => {
      let w = interiorBefore.get(p);
      if (w === undefined) {
        const kind = this.store.kindAt(p, inv.base);
        interiorBefore.set(p, (w = kind === undefined || isInterior(kind)));
      }
      return w;
    };
    return (served) => {
      if (inv.deleted) return true;
      for (const p of inv.changed()) {
        if (p === 1) {
          if ((pageOne ??= inv.base < 1 || !sameBesidesCounters(this.store, inv.version, inv.pageSize))) return true;
        } else if (served.pages.has(p) || (served.interior && wasInterior(p))) {
          return true;
        }
      }
      return false;
    };
  }

  /**
   * The invalidation for one holder: pushed pages only those it was served (or pushed) before,
   * and any interior page if it took the interior prefetch; all of them when unknown. Holders with
   * the same pages share one encoding (`cache`).
   */
  private invalidationFor(inv: Invalidation, served: Served | undefined, cache: Map<string, { text: string; pushed: number[] }>, imagesOf: () => PageImage[], ack: boolean, counters: boolean, unrecorded: number[]): string {
    let wanted: ((pgno: number, data: Uint8Array | null) => boolean) | null = null;
    let key = (ack ? "*" : "*-") + (counters ? "c" : "");
    if (served) {
      const changed = inv.changed();
      // hot pages are pushed too: the holder's writes read them from its cache (the commit's check proves them)
      const has = (p: number) => served.pages.has(p) || served.hot?.has(p) === true;
      const want = changed.filter(has);
      key = want.join(",") + (served.interior ? "+i" : "") + (ack ? "" : "-") + (counters ? "c" : "") + (unrecorded.length > 0 ? "u" + unrecorded.join(",") : "");
      // the interior prefetch always starts with page 1
      wanted = (p, data) => has(p) || (served.interior && (p === 1 || (data !== null && isInterior(pageKind(p, data)))));
    }
    let msg = cache.get(key);
    if (msg === undefined) {
      msg = this.invalidation(inv, wanted, imagesOf, ack, counters, unrecorded);
      cache.set(key, msg);
    }
    // what was pushed is cached there now (the client keeps the pushed images), hot pages unrecorded
    if (served) for (const p of msg.pushed) recordUnlessHot(served, p);
    return msg.text;
  }

  /**
   * Pages of this version that the holder has recorded and is fighting over: it wrote one again
   * after another writer had changed it, both within HOT_MS, and now a third change comes (once is
   * not a fight: a client that loaded rows another one then updates). Each commit of either side
   * would wait for the other's acknowledgement, a second round trip for every winner of a true
   * conflict. They stop being recorded; the holder is told in this
   * invalidation, which it acknowledges before the version is seen (so it has stopped trusting them
   * by then), and later versions changing only them do not wait for it. Its own writes of them are
   * proven by their commits' page check instead; a read that needs one fetches it (recorded again).
   */
  private unrecord(inv: Invalidation, served: Served, now: number): number[] {
    if (!served.written || inv.deleted) return [];
    const out: number[] = [];
    for (const p of inv.changed()) {
      const at = served.written.get(p);
      if (p === 1 || at === undefined || now - at > HOT_MS || !served.pages.has(p)) continue;
      const before = served.contested?.get(p);
      touch((served.contested ??= new Map()), p, now);
      if (before === undefined || at < before || now - before > HOT_MS) continue;
      // an interior page stays covered by the interior prefetch's record whatever its set says
      if (served.interior && isInterior(this.store.kindAt(p, inv.base) ?? 5)) continue;
      served.pages.delete(p);
      (served.hot ??= new Set()).add(p);
      out.push(p);
    }
    return out;
  }

  /** The writer's notice of its own version: what an invalidation says, no pages, its key to match. */
  private ownNotice(inv: Invalidation): string {
    const changed = inv.changed();
    const complete = changed.length <= MAX_CHANGED;
    return JSON.stringify({
      type: "invalidate",
      v: LEASE_PROTOCOL,
      own: true,
      key: inv.key ?? null,
      ...(inv.counter !== undefined ? { counter: inv.counter } : {}),
      version: inv.version,
      base: inv.base,
      pageSize: inv.pageSize,
      pageCount: inv.pageCount,
      incarnation: inv.incarnation,
      changed: complete ? changed : [],
      complete,
    });
  }

  private invalidation(inv: Invalidation, wanted: ((pgno: number, data: Uint8Array | null) => boolean) | null, imagesOf: () => PageImage[], ack: boolean, counters: boolean, unrecorded: number[]): { text: string; pushed: number[] } {
    const msg: Record<string, unknown> = {
      type: "invalidate",
      v: LEASE_PROTOCOL,
      // nothing waits for this holder's acknowledgement: it need not send one
      ...(ack ? {} : { ack: false }),
      // pages this holder no longer has recorded (they are still pushed; it must not trust them)
      ...(unrecorded.length > 0 ? { unrecorded } : {}),
      version: inv.version,
      base: inv.base,
      pageSize: inv.pageSize,
      pageCount: inv.pageCount,
      incarnation: inv.incarnation,
    };
    if (inv.deleted) return { text: JSON.stringify({ ...msg, deleted: true, changed: [], complete: false }), pushed: [] };
    const changed = inv.changed();
    if (changed.length > MAX_CHANGED) return { text: JSON.stringify({ ...msg, changed: [], complete: false }), pushed: [] };
    msg.changed = changed;
    msg.complete = true;
    if (changed.length > 0 && changed.length <= PUSH_MAX_PAGES && changed.length * inv.pageSize <= PUSH_MAX_BYTES) {
      // Small commit: the new pages too, so the holder's cache stays warm (page frame format).
      const ps = inv.pageSize;
      const images = imagesOf();
      let push = wanted ? images.filter((img) => wanted(img.pgno, img.data)) : images;
      const one = counters ? pageOneCounters(this.store, inv, push) : null;
      if (one !== null) {
        // Page 1 changed only in its counters (every commit moves them): the two numbers are
        // enough for a holder that has the page as of the version before, 8 bytes for 4 KiB
        // (encoded, sent and read again by every holder on every commit of every writer).
        msg.counters = one;
        push = push.filter((img) => img.pgno !== 1);
      }
      if (push.length > 0) msg.frames = base64(encodeFrames(push.length, ps, (i) => push[i]));
      if (push.length > 0 || one !== null) {
        return { text: JSON.stringify(msg), pushed: [...(one !== null ? [1] : []), ...push.map((img) => img.pgno)] };
      }
    }
    return { text: JSON.stringify(msg), pushed: [] };
  }

  private ackOrExpiry(sid: string, version: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      let list = this.waits.get(sid);
      if (!list) this.waits.set(sid, (list = []));
      const entry = { version, done };
      list.push(entry);
      const self = this;
      function done() {
        clearTimeout(timer);
        const l = self.waits.get(sid);
        if (l) {
          const i = l.indexOf(entry);
          if (i >= 0) l.splice(i, 1);
          if (l.length === 0) self.waits.delete(sid);
        }
        resolve();
      }
    });
  }

  private acked(sid: string, version: number, ack = true): void {
    if (!ack) return; // a closed socket's lease still runs out by its timer
    for (const e of [...(this.waits.get(sid) ?? [])]) if (e.version <= version) e.done();
  }

  private chain(p: Promise<void>): Promise<void> {
    const mine: Promise<void> = Promise.all([this.hold, p]).then(() => {
      if (this.hold === mine) this.hold = null;
    });
    this.hold = mine;
    return mine;
  }

  private liveRows(now: number): { sid: string; client: string; until_ms: number }[] {
    if (!this.hasTable()) return [];
    return this.store.sql.exec("SELECT sid, client, until_ms FROM leases WHERE until_ms > ?", now).toArray() as any;
  }

  private sockets(): Map<string, WebSocket> {
    const out = new Map<string, WebSocket>();
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as Attachment | null;
      if (att) out.set(att.sid, ws);
    }
    return out;
  }

  private hasTable(): boolean {
    return this.store.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leases'").toArray().length > 0;
  }

  private ensureTable(): void {
    this.store.sql.exec("CREATE TABLE IF NOT EXISTS leases(sid TEXT PRIMARY KEY, client TEXT NOT NULL, until_ms INTEGER NOT NULL)");
  }
}

/** Interior b-tree page type bytes (index 0x02, table 0x05). */
function isInterior(kind: number): boolean {
  return kind === 0x02 || kind === 0x05;
}

function base64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

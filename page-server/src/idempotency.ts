// Idempotent commits: a retried commit (same Idempotency-Key) gets the answer of the one that
// was applied instead of being applied twice, and a client that lost the answer can ask for it.
import { HttpError, KEY_RE } from "./http";
import type { PageStore } from "./storage";

export function idempotencyKey(request: Request, required: boolean): string | null {
  const key = request.headers.get("Idempotency-Key");
  if (key === null || key === "") {
    if (!required) return null;
    throw new HttpError(400, "bad_idempotency_key", "Missing Idempotency-Key header: send a fresh random key (1-100 chars [A-Za-z0-9_-]) with every commit, and the same key when retrying it.");
  }
  if (!KEY_RE.test(key)) throw new HttpError(400, "bad_idempotency_key", "Invalid Idempotency-Key: use 1-100 characters [A-Za-z0-9_-].");
  return key;
}

/** The stored answer if `key` was already applied (422 if it was for another base), else null. */
export function replay(store: PageStore, key: string, base: number): Response | null {
  const row = store.sql.exec("SELECT base, answer FROM idem WHERE key = ?", key).toArray()[0];
  if (!row) return null;
  if ((row.base as number) !== base) {
    throw new HttpError(422, "key_reused", `Idempotency key ${key} was already used for a commit based on version ${row.base}; use a new key for a new commit.`);
  }
  return new Response(row.answer as string, {
    status: 200,
    headers: { "Content-Type": "application/json", "X-Dosqlite-Replayed": "true" },
  });
}

/** Inside the commit's transaction, so the key exists exactly when the commit does. */
export function remember(store: PageStore, key: string, base: number, version: number, answer: string, now: number): void {
  store.sql.exec("INSERT INTO idem(key, base, version, answer, ts) VALUES (?, ?, ?, ?, ?)", key, base, version, answer, now);
}

/** At most this many keys are looked at (and dropped) per pass: one commit adds one. */
const FORGET_BATCH = 64;

/**
 * Keys are kept while either among the latest idemKeys versions or younger than idemMs. Walks the
 * oldest keys by version and stops at the first one still kept: `DELETE ... WHERE version <= ? AND
 * ts < ?` read every key of the last idemMs on every commit (rows read are billed, and at a few
 * hundred commits/s it was most of the Durable Object's time).
 */
export function forgetOldKeys(store: PageStore, version: number, now: number): void {
  const cutoff = now - store.config.idemMs;
  const newest = version - store.config.idemKeys;
  // One row first: usually the oldest key is still kept. (Not a cursor left unfinished: every open
  // cursor stays registered with SQLite until collected, and opening the next one walks them all.)
  const first = store.sql.exec("SELECT ts FROM idem WHERE version <= ? ORDER BY version LIMIT 1", newest).toArray()[0];
  if (!first || (first.ts as number) >= cutoff) return;
  const oldest = store.sql.exec("SELECT version, ts FROM idem WHERE version <= ? ORDER BY version LIMIT ?", newest, FORGET_BATCH).toArray();
  let upTo = -1;
  for (const r of oldest) {
    if ((r.ts as number) >= cutoff) break;
    upTo = r.version as number;
  }
  if (upTo >= 0) store.sql.exec("DELETE FROM idem WHERE version <= ? AND ts < ?", upTo, cutoff);
}

export function commitStatus(store: PageStore, key: string): Response {
  store.requireDb();
  const row = store.sql.exec("SELECT answer FROM idem WHERE key = ?", key).toArray()[0];
  if (!row) {
    throw new HttpError(404, "unknown_key", `No commit with idempotency key ${key} was applied (or it is older than the last 1,000 keys and 24 h). If you sent it, it did not happen: retry the transaction.`);
  }
  return new Response(row.answer as string, { status: 200, headers: { "Content-Type": "application/json" } });
}

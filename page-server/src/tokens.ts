// Scoped tokens: `dsq1.<payload>.<signature>`, base64url, signed with HMAC-SHA-256 under the Worker
// secret DOSQLITE_TOKEN_SECRET. The server verifies them without storing anything, so rotating the
// secret revokes every token at once. Format and endpoint: docs/protocol.md, "Scoped tokens".
import { HttpError } from "./http";

export const TOKEN_PREFIX = "dsq1.";
/** Database name characters plus the glob wildcards `*` and `?`. */
export const SCOPE_RE = /^[A-Za-z0-9._*?-]{1,63}$/;
export const MAX_TOKEN_SECONDS = 10 * 366 * 24 * 3600;
/**
 * The Worker tells a database's object when the request's token expires (Unix seconds), so a push
 * channel does not outlive it; a value the client sent is dropped first.
 */
export const TOKEN_EXPIRES_HEADER = "X-Dosqlite-Token-Expires";

/** What a verified token allows. The master token is `{ pattern: "*", readOnly: false }`. */
export interface Grant {
  master: boolean;
  pattern: string;
  readOnly: boolean;
  expiresAt: number | null;
}

export const MASTER: Grant = { master: true, pattern: "*", readOnly: false, expiresAt: null };

const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function hmac(secret: string, data: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(data)));
}

function invalid(message: string, code = "invalid_token"): HttpError {
  return new HttpError(401, code, message, {}, { "WWW-Authenticate": `Bearer realm="dosqlite", error="invalid_token"` });
}

/** Signs a token for `pattern` valid until `expiresAt` (Unix seconds). */
export async function signToken(secret: string, pattern: string, readOnly: boolean, expiresAt: number): Promise<string> {
  const payload = TOKEN_PREFIX + b64url(enc.encode(JSON.stringify({ db: pattern, ro: readOnly, exp: expiresAt })));
  return `${payload}.${b64url(await hmac(secret, payload))}`;
}

/**
 * Verifies a scoped token: signature first (constant time, before the payload is even parsed, so
 * a forger learns nothing from the answer), then the payload's fields and the expiry.
 */
export async function verifyToken(secret: string | undefined, token: string, nowMs: number): Promise<Grant> {
  if (!secret) {
    throw invalid("This server has no token secret, so it accepts only its master token: set DOSQLITE_TOKEN_SECRET (dosqlite serve keeps one in its data directory) and issue tokens with `dosqlite token create`.");
  }
  const dot = token.lastIndexOf(".");
  const sig = unb64url(token.slice(dot + 1));
  const expected = await hmac(secret, token.slice(0, dot));
  // timingSafeEqual needs equal lengths; the length of a signature is no secret.
  if (!sig || sig.length !== expected.length || !crypto.subtle.timingSafeEqual(sig, expected)) {
    throw invalid("The token's signature does not verify: it was altered, or the server's token secret was rotated. Ask for a new token (dosqlite token create).");
  }
  let p: any;
  try {
    p = JSON.parse(new TextDecoder().decode(unb64url(token.slice(TOKEN_PREFIX.length, dot)) ?? new Uint8Array()));
  } catch {
    p = null;
  }
  if (!p || typeof p.db !== "string" || !SCOPE_RE.test(p.db) || typeof p.ro !== "boolean" || !Number.isSafeInteger(p.exp)) {
    throw invalid("The token's payload is malformed. Ask for a new token (dosqlite token create).");
  }
  if (p.exp * 1000 <= nowMs) {
    throw invalid(`The token expired at ${new Date(p.exp * 1000).toISOString()}. Ask for a new one (dosqlite token create --expires ...).`, "token_expired");
  }
  return { master: false, pattern: p.db, readOnly: p.ro, expiresAt: p.exp };
}

/** Glob match of a database name: `*` any run of characters, `?` one character. */
export function scopeCovers(pattern: string, name: string): boolean {
  const re = "^" + pattern.replace(/[.]/g, "\\.").replace(/\*/g, ".*").replace(/\?/g, ".") + "$";
  return new RegExp(re).test(name);
}

/** 403 unless the grant reaches database `db`, and for a write, unless it may write. */
export function authorize(grant: Grant, db: string, write: boolean): void {
  if (grant.master) return;
  if (!scopeCovers(grant.pattern, db)) {
    throw new HttpError(403, "forbidden", `This token is limited to databases matching '${grant.pattern}', not '${db}'. Use a token issued for this database.`);
  }
  if (write && grant.readOnly) {
    throw new HttpError(403, "read_only", `This token is read-only: it cannot change database '${db}'. Use a read-write token for writes.`);
  }
}

/**
 * `POST /v1/tokens` (master token only): `{"db": "reports*", "readOnly": true, "expiresIn": 2592000}`
 * → `{"token": "dsq1…", "db", "readOnly", "expiresAt"}`. The secret never leaves the server.
 */
export async function issueToken(secret: string | undefined, body: any, nowMs: number): Promise<Record<string, unknown>> {
  if (!secret) {
    throw new HttpError(409, "no_token_secret", "This server has no token secret: set the Worker secret DOSQLITE_TOKEN_SECRET (`wrangler secret put DOSQLITE_TOKEN_SECRET`; dosqlite serve makes one in its data directory) and ask again.");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(400, "bad_request", 'Send a JSON body like {"db": "reports*", "readOnly": true, "expiresIn": 2592000}.');
  }
  if (typeof body.db !== "string" || !SCOPE_RE.test(body.db)) {
    throw new HttpError(400, "bad_scope", "db must be a database name or a pattern of 1-63 characters [A-Za-z0-9._-] with the wildcards * and ?.");
  }
  if (body.readOnly !== undefined && typeof body.readOnly !== "boolean") {
    throw new HttpError(400, "bad_request", "readOnly must be true or false.");
  }
  if (!Number.isSafeInteger(body.expiresIn) || body.expiresIn < 1 || body.expiresIn > MAX_TOKEN_SECONDS) {
    throw new HttpError(400, "bad_expiry", `expiresIn must be a whole number of seconds from 1 to ${MAX_TOKEN_SECONDS} (10 years).`);
  }
  const readOnly = body.readOnly === true;
  const expiresAt = Math.floor(nowMs / 1000) + body.expiresIn;
  return { token: await signToken(secret, body.db, readOnly, expiresAt), db: body.db, readOnly, expiresAt: new Date(expiresAt * 1000).toISOString() };
}

// Shared HTTP helpers: JSON errors, routing, limits.
import { InflateTooLarge, gunzip } from "./compression";

export const MiB = 1024 * 1024;
export const MAX_BODY = 32 * MiB;
export const MAX_READ_BYTES = 16 * MiB;
export const MAX_CHANGED = 10_000;
export const MAX_JSON_BODY = 64 * 1024;
export const MAX_PGNO = 0xffffffff;
/** A Durable Object holds at most 10 GB: a database may not claim to be larger. */
export const MAX_DB_BYTES = 10 * 1024 * MiB;

export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const KEY_RE = /^[A-Za-z0-9_-]{1,100}$/;
export const STAGE_RE = /^[A-Za-z0-9_-]{1,64}$/;

export class HttpError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public extra: Record<string, unknown> = {},
    public headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function errorResponse(e: unknown): Response {
  if (e instanceof HttpError) {
    return json(e.status, { error: e.code, message: e.message, ...e.extra }, e.headers);
  }
  const msg = (e instanceof Error ? e.message : String(e)).replace(/\.+$/, "");
  return json(500, {
    error: "internal",
    message: `Internal server error: ${msg}. Retry later; if it persists, report it with the server log.`,
  });
}

export function isValidPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/** Parse a non-negative decimal integer query parameter (≤ 2^53). */
export function parseUint(value: string | null, what: string, code = "bad_request"): number | null {
  if (value === null || value === "") return null;
  if (!/^[0-9]{1,16}$/.test(value)) {
    throw new HttpError(400, code, `Parameter ${what}=${JSON.stringify(value)} is not a non-negative integer; send a decimal number.`);
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new HttpError(400, code, `Parameter ${what} is too large.`);
  return n;
}

export function checkPageSize(n: number | null | undefined, where: string): void {
  if (n === null || n === undefined) return;
  if (!isValidPageSize(n)) {
    throw new HttpError(400, "invalid_page_size", `Invalid page size ${n} (${where}): use a power of two from 512 to 65536.`);
  }
}

export type RouteName =
  | "list"
  | "db"
  | "changes"
  | "read"
  | "interior"
  | "commit"
  | "commitStatus"
  | "stage"
  | "export"
  | "import"
  | "leases"
  | "history"
  | "restore"
  | "fork";

export interface Route {
  name: RouteName;
  db?: string;
  key?: string;
  stageId?: string;
}

const ROUTES: { [K in RouteName]: string[] } = {
  list: ["GET"],
  db: ["GET", "PUT", "DELETE"],
  changes: ["GET"],
  read: ["POST"],
  interior: ["GET"],
  commit: ["POST"],
  commitStatus: ["GET"],
  stage: ["POST"],
  export: ["GET"],
  import: ["PUT"],
  leases: ["GET"],
  history: ["GET"],
  restore: ["POST"],
  fork: ["POST"],
};

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

/** Match a request to a route, validating names; throws 404/405/400 HttpErrors. */
export function matchRoute(method: string, pathname: string): Route {
  const segs = pathname.split("/").slice(1);
  if (segs.length && segs[segs.length - 1] === "") segs.pop(); // tolerate one trailing slash
  let route: Route | null = null;
  if (segs[0] === "v1" && segs[1] === "databases") {
    const rest = segs.slice(2).map(decode);
    if (rest.length === 0) route = { name: "list" };
    else {
      const db = rest[0];
      if (rest.length === 1) route = { name: "db", db };
      else if (rest.length === 2) {
        const sub = rest[1];
        if (sub === "changes" || sub === "read" || sub === "interior" || sub === "commit" || sub === "export" || sub === "import" || sub === "leases" || sub === "history" || sub === "restore" || sub === "fork") {
          route = { name: sub, db };
        }
      } else if (rest.length === 3) {
        if (rest[1] === "commits") route = { name: "commitStatus", db, key: rest[2] };
        else if (rest[1] === "stage") route = { name: "stage", db, stageId: rest[2] };
      }
    }
  }
  if (!route) {
    throw new HttpError(404, "unknown_route", `No such endpoint: ${method} ${pathname}. The API lives under /v1/databases (see docs/protocol.md).`);
  }
  const allowed = ROUTES[route.name];
  if (!allowed.includes(method)) {
    throw new HttpError(
      405,
      "method_not_allowed",
      `Method ${method} is not allowed on ${pathname}; use ${allowed.join(" or ")}.`,
      {},
      { Allow: allowed.join(", ") },
    );
  }
  if (route.db !== undefined && !NAME_RE.test(route.db)) {
    throw new HttpError(
      400,
      "invalid_name",
      `Invalid database name ${JSON.stringify(route.db)}: use 1-63 characters [A-Za-z0-9._-], starting with a letter or digit.`,
    );
  }
  if (route.key !== undefined && !KEY_RE.test(route.key)) {
    throw new HttpError(400, "bad_idempotency_key", `Invalid idempotency key: use 1-100 characters [A-Za-z0-9_-].`);
  }
  if (route.stageId !== undefined && !STAGE_RE.test(route.stageId)) {
    throw new HttpError(400, "bad_stage_id", `Invalid stage id: use 1-64 characters [A-Za-z0-9_-].`);
  }
  return route;
}

/** Past this much, a refused body is cut off rather than read to its end. */
const MAX_DRAIN = 128 * MiB;

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let drained = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    drained += value.byteLength;
    if (drained > MAX_DRAIN) {
      await reader.cancel();
      return;
    }
  }
}

/**
 * Read what is left of a refused request's body before answering. A server that answers and
 * closes while the client still uploads leaves the client with a broken pipe (EPIPE, OkHttp's
 * "Broken pipe") instead of the 401/403/404 that says what to fix.
 */
export async function drainUnread(request: Request): Promise<void> {
  if (!request.body || request.bodyUsed) return;
  try {
    await drain(request.body.getReader());
  } catch {
    // the client went away: nothing to answer anyway
  }
}

/**
 * Read a request body, at most `limit` bytes. A larger body is drained (so the client gets the
 * 413 answer instead of a broken pipe) and answered with 413 body_too_large.
 */
export async function readBody(request: Request, limit: number, what: string): Promise<Uint8Array> {
  const declared = request.headers.get("Content-Length");
  const tooLarge = () =>
    new HttpError(
      413,
      "body_too_large",
      `Request body is larger than ${limit} bytes (${what}). ` +
        (what === "commit" || what === "stage"
          ? "Split the pages over several POST /stage/{stageId} uploads and commit with &stage=stageId."
          : what === "import"
            ? "Import larger files with staged uploads (POST /stage/{stageId}) and a commit with &stage=."
            : "Send a smaller request."),
    );
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let over = declared !== null && Number(declared) > limit;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
    if (over) break;
    total += chunk.length;
    if (total > limit) {
      over = true;
      chunks.length = 0;
      break;
    }
    chunks.push(chunk);
  }
  if (over) {
    await drain(reader);
    throw tooLarge();
  }
  let out: Uint8Array;
  if (chunks.length === 1) out = chunks[0];
  else {
    out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
  }
  return await decodeBody(request, out, limit, tooLarge);
}

/** Undoes the request's Content-Encoding (gzip or identity); the limit holds for the inflated body. */
async function decodeBody(request: Request, body: Uint8Array, limit: number, tooLarge: () => HttpError): Promise<Uint8Array> {
  const coding = (request.headers.get("Content-Encoding") ?? "identity").trim().toLowerCase();
  if (coding === "identity" || coding === "") return body;
  if (coding !== "gzip") {
    throw new HttpError(415, "unsupported_encoding", `Content-Encoding ${JSON.stringify(coding).slice(0, 40)} is not supported: send gzip or an uncompressed body.`, {}, { "Accept-Encoding": "gzip" });
  }
  try {
    return await gunzip(body, limit);
  } catch (e) {
    if (e instanceof InflateTooLarge) throw tooLarge();
    throw new HttpError(400, "bad_encoding", "The body says Content-Encoding: gzip but is not valid gzip; nothing was written. Resend it compressed correctly, or uncompressed.");
  }
}

export async function readJson(request: Request, what: string): Promise<any> {
  const body = await readBody(request, MAX_JSON_BODY, what);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new HttpError(400, "bad_request", `The body of ${what} is not valid JSON; send Content-Type: application/json with a JSON object.`);
  }
}

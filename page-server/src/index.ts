// dosqlite page server: Worker entry point (auth, routing, catalog) in front of one
// Durable Object per database. Wire contract: docs/protocol.md.
import type { Env } from "./config";
import { ACCEPTED_ENCODINGS } from "./compression";
import { DatabaseDO } from "./database";
import { CatalogDO } from "./catalog";
import { HttpError, NAME_RE, drainUnread, errorResponse, json, matchRoute, readJson } from "./http";
import { type Grant, MASTER, TOKEN_EXPIRES_HEADER, TOKEN_PREFIX, authorize, issueToken, scopeCovers, verifyToken } from "./tokens";

export { DatabaseDO, CatalogDO };

const enc = new TextEncoder();

/** Who is asking: the master token, or a scoped token (tokens.ts); 401 for anything else. */
async function authenticate(request: Request, env: Env): Promise<Grant> {
  const expected = env.DOSQLITE_TOKEN;
  if (!expected) {
    throw new HttpError(500, "server_misconfigured", "The server has no token configured: set the Worker secret with `wrangler secret put DOSQLITE_TOKEN` (locally: serve.mjs --token).");
  }
  const auth = request.headers.get("Authorization");
  const m = auth ? /^Bearer[ ]+(.+)$/i.exec(auth.trim()) : null;
  if (!m) {
    throw new HttpError(401, "unauthorized", "Missing bearer token: send the header 'Authorization: Bearer <token>' (the driver's token property).", {}, {
      "WWW-Authenticate": 'Bearer realm="dosqlite"',
    });
  }
  if (m[1].startsWith(TOKEN_PREFIX)) return await verifyToken(env.DOSQLITE_TOKEN_SECRET, m[1], Date.now());
  // Constant time: compare fixed-length digests with timingSafeEqual.
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(m[1])),
    crypto.subtle.digest("SHA-256", enc.encode(expected)),
  ]);
  if (!crypto.subtle.timingSafeEqual(a, b)) {
    throw new HttpError(401, "unauthorized", "Wrong token: check the token property of the connection (it must equal the server's DOSQLITE_TOKEN).", {}, {
      "WWW-Authenticate": 'Bearer realm="dosqlite", error="invalid_token"',
    });
  }
  return MASTER;
}

/**
 * Reading endpoints: GET, POST /read (its body is a list of pages) and POST /fork, which only reads
 * its origin (the new database is checked in fork()). Anything else writes.
 */
function writes(method: string, routeName: string): boolean {
  return method !== "GET" && routeName !== "read" && routeName !== "fork";
}

function catalog(env: Env): DurableObjectStub<CatalogDO> {
  return env.CATALOG.get(env.CATALOG.idFromName("__catalog__")) as unknown as DurableObjectStub<CatalogDO>;
}

function dbStub(env: Env, name: string): DurableObjectStub {
  return env.DATABASE.get(env.DATABASE.idFromName(name));
}

async function listDatabases(env: Env, origin: string, grant: Grant): Promise<Response> {
  const names = (await catalog(env).list()).filter((n) => scopeCovers(grant.pattern, n));
  const out: unknown[] = [];
  const gone: string[] = [];
  const limit = 16;
  for (let i = 0; i < names.length; i += limit) {
    const part = names.slice(i, i + limit);
    const infos = await Promise.all(
      part.map(async (name) => {
        const r = await dbStub(env, name).fetch(`${origin}/v1/databases/${encodeURIComponent(name)}`);
        if (r.status === 404) {
          gone.push(name);
          return null;
        }
        if (!r.ok) throw new Error(`database ${name}: HTTP ${r.status}`);
        const info = (await r.json()) as Record<string, unknown>;
        return { name: info.name, pageSize: info.pageSize, pageCount: info.pageCount, version: info.version };
      }),
    );
    for (const i of infos) if (i) out.push(i);
  }
  for (const name of gone) await catalog(env).unregister(name);
  return json(200, { databases: out });
}

async function tokens(request: Request, env: Env, grant: Grant): Promise<Response> {
  if (request.method !== "POST") {
    throw new HttpError(405, "method_not_allowed", "Use POST /v1/tokens to issue a token.", {}, { Allow: "POST" });
  }
  if (!grant.master) {
    throw new HttpError(403, "forbidden", "Only the server's master token can issue tokens: run dosqlite token create with the master token.");
  }
  return json(201, await issueToken(env.DOSQLITE_TOKEN_SECRET, await readJson(request, "POST /v1/tokens"), Date.now()));
}

/** The request as the database's object gets it: with the token's expiry, and only the Worker's. */
function withTokenExpiry(request: Request, grant: Grant): Request {
  if (grant.expiresAt === null && !request.headers.has(TOKEN_EXPIRES_HEADER)) return request;
  const headers = new Headers(request.headers);
  headers.delete(TOKEN_EXPIRES_HEADER);
  if (grant.expiresAt !== null) headers.set(TOKEN_EXPIRES_HEADER, String(grant.expiresAt));
  return new Request(request, { headers });
}

/** Tells the client it may gzip request bodies (RFC 7694: Accept-Encoding on an answer). */
function advertiseEncodings(res: Response): Response {
  if (res.status === 101 || res.webSocket) return res;
  const out = new Response(res.body, res);
  out.headers.set("Accept-Encoding", ACCEPTED_ENCODINGS);
  return out;
}

/**
 * POST /v1/databases/{origin}/fork {"name", "version" | "at", "force"}: the new database's object
 * makes itself a fork (lineage.ts) in one request, then the catalog lists it.
 */
async function fork(env: Env, origin: string, request: Request, grant: Grant): Promise<Response> {
  const body = await readJson(request, "POST /fork");
  if (!body || typeof body !== "object" || Array.isArray(body) || typeof body.name !== "string") {
    throw new HttpError(400, "bad_request", 'Send a JSON body like {"name": "newdb", "version": 12} (or "at": "2026-12-01T10:00:00Z"; "force": true replaces an existing database).');
  }
  if (!NAME_RE.test(body.name)) {
    throw new HttpError(400, "invalid_name", `Invalid database name ${JSON.stringify(body.name)}: use 1-63 characters [A-Za-z0-9._-], starting with a letter or digit.`);
  }
  if (body.name === origin) throw new HttpError(400, "bad_request", "A fork needs a name other than its origin's; to go back in place use POST /restore.");
  authorize(grant, body.name, true); // a fork reads its origin and writes the new database
  const stub = dbStub(env, body.name) as unknown as DatabaseDO;
  const r = await stub.createFork(body.name, origin, { version: body.version, at: body.at }, body.force === true);
  if (r.status === 201) await catalog(env).register(body.name);
  return json(r.status, r.body);
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      const grant = await authenticate(request, env);
      const url = new URL(request.url);
      if (url.pathname === "/v1/tokens" || url.pathname === "/v1/tokens/") return await tokens(request, env, grant);
      const route = matchRoute(request.method, url.pathname);
      if (route.name === "list") return await listDatabases(env, url.origin, grant);
      const db = route.db!;
      authorize(grant, db, writes(request.method, route.name));
      if (route.name === "fork") return await fork(env, db, request, grant);
      const res = await dbStub(env, db).fetch(withTokenExpiry(request, grant));
      if (route.name === "db" && request.method === "PUT" && (res.status === 200 || res.status === 201)) {
        await catalog(env).register(db);
      } else if ((route.name === "import" || route.name === "restore") && res.status === 200) {
        await catalog(env).register(db);
      } else if (route.name === "db" && request.method === "DELETE" && (res.status === 204 || res.status === 404)) {
        await catalog(env).unregister(db);
      }
      return advertiseEncodings(res);
    } catch (e) {
      await drainUnread(request);
      const res = errorResponse(e);
      // serve.mjs's readiness probe (an unauthenticated request) recognises its own workerd by
      // this per-start random id, not whatever else might answer on the port.
      if (e instanceof HttpError && e.status === 401 && env.DOSQLITE_INSTANCE) {
        res.headers.set("X-Dosqlite-Instance", env.DOSQLITE_INSTANCE);
      }
      return res;
    }
  },
} satisfies ExportedHandler<Env>;

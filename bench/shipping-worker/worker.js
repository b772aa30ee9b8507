// Statement shipping, D1-style: a Worker in front of one SQLite-backed Durable Object per database.
// Each HTTP request carries SQL; the Durable Object runs it with ctx.storage.sql.exec and answers
// rows as JSON. Benchmark baseline only (no auth, no limits).
//
//   POST /db/{name}/query  {"sql": "...", "params": [...]}                -> {"columns","rows","changes"}
//   POST /db/{name}/batch  {"statements": [{"sql","params"}, ...]}        -> {"results": [...]}
//
// /query runs one statement (its own implicit transaction, like D1's prepare().run()/all()).
// /batch runs all statements in one storage transaction (transactionSync), like D1's batch():
// all or nothing.
//
//   GET  /db/{name}/billing  -> {"requests","rowsRead","rowsWritten","storedBytes"}
//
// counts the units Cloudflare bills this object by, as the page server does (docs/cost.md): every
// /query and /batch is a request, every statement's cursor adds its rowsRead / rowsWritten. Kept in
// memory only (a benchmark measures one run); the billing request itself is not counted.

function run(sql, stmt, units) {
  const cur = sql.exec(stmt.sql, ...(stmt.params || []));
  const rows = cur.raw().toArray();
  units.rowsRead += cur.rowsRead;
  units.rowsWritten += cur.rowsWritten;
  return { columns: cur.columnNames, rows, changes: cur.rowsWritten };
}

export class ShipDO {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.sql = ctx.storage.sql;
    this.units = { requests: 0, rowsRead: 0, rowsWritten: 0 };
  }

  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname.endsWith("/billing")) {
      return Response.json({ ...this.units, storedBytes: this.sql.databaseSize });
    }
    this.units.requests++;
    let body;
    try {
      body = await request.json();
    } catch (e) {
      return Response.json({ error: "bad_json", message: String(e) }, { status: 400 });
    }
    try {
      if (url.pathname.endsWith("/query")) {
        return Response.json(run(this.sql, body, this.units));
      }
      if (url.pathname.endsWith("/batch")) {
        const results = this.ctx.storage.transactionSync(() => body.statements.map((s) => run(this.sql, s, this.units)));
        return Response.json({ results });
      }
      return Response.json({ error: "unknown_route" }, { status: 404 });
    } catch (e) {
      return Response.json({ error: "sql_error", message: String(e && e.message ? e.message : e) }, { status: 400 });
    }
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const m = url.pathname.match(/^\/db\/([A-Za-z0-9._-]{1,63})\/(query|batch|billing)$/);
    if (request.method === "GET" && url.pathname === "/health") {
      return new Response("ok");
    }
    if (m && m[2] === "billing" && request.method === "GET") {
      return env.SHIP.get(env.SHIP.idFromName(m[1])).fetch(request);
    }
    if (!m || request.method !== "POST") {
      return Response.json({ error: "unknown_route" }, { status: 404 });
    }
    const stub = env.SHIP.get(env.SHIP.idFromName(m[1]));
    return stub.fetch(request);
  },
};

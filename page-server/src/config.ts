// The Worker's bindings and the tuning a database's Durable Object reads from them.

export interface Env {
  DOSQLITE_TOKEN?: string;
  /** Keep superseded versions at least this long (ms). Default 600000 (10 min). */
  DOSQLITE_RETAIN_MS?: string;
  /** Keep at least this many latest versions readable. Default 16. */
  DOSQLITE_RETAIN_VERSIONS?: string;
  /** Remember at least this many latest idempotency keys. Default 1000. */
  DOSQLITE_IDEM_KEYS?: string;
  /** Remember idempotency keys at least this long (ms). Default 86400000 (24 h). */
  DOSQLITE_IDEM_MS?: string;
  /** An unpublished stage expires this long after its last upload (ms). Default 900000 (15 min). */
  DOSQLITE_STAGE_TTL_MS?: string;
  /** Length of a read lease (ms) granted over the push channel. Default 5000. */
  DOSQLITE_LEASE_MS?: string;
  /** Billed-unit counters are persisted this long after the last event of an awake stretch (ms). Default 5000. */
  DOSQLITE_BILLING_FLUSH_MS?: string;
  /** Local only: a random id per serve.mjs start, echoed on 401 answers for the readiness probe. */
  DOSQLITE_INSTANCE?: string;
  DATABASE: DurableObjectNamespace;
  CATALOG: DurableObjectNamespace;
}

export interface Config {
  retainMs: number;
  retainVersions: number;
  idemKeys: number;
  idemMs: number;
  stageTtlMs: number;
  leaseMs: number;
  billingFlushMs: number;
}

export function readConfig(env: Env): Config {
  return {
    retainMs: envInt(env.DOSQLITE_RETAIN_MS, 600_000),
    retainVersions: Math.max(1, envInt(env.DOSQLITE_RETAIN_VERSIONS, 16)),
    idemKeys: Math.max(1, envInt(env.DOSQLITE_IDEM_KEYS, 1000)),
    idemMs: envInt(env.DOSQLITE_IDEM_MS, 86_400_000),
    stageTtlMs: envInt(env.DOSQLITE_STAGE_TTL_MS, 15 * 60 * 1000),
    // Bounds how long a silent lease holder can delay other clients' commits.
    leaseMs: Math.min(60_000, Math.max(100, envInt(env.DOSQLITE_LEASE_MS, 5000))),
    // Inside the idle tail (billing.ts), before an idle object is evicted with its counters.
    billingFlushMs: Math.min(9_000, Math.max(50, envInt(env.DOSQLITE_BILLING_FLUSH_MS, 5000))),
  };
}

function envInt(v: string | undefined, dflt: number): number {
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : dflt;
}

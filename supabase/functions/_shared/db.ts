// The SQL plumbing every function shares: one postgres.js pool per function instance (on
// SUPABASE_DB_URL; `prepare: false` keeps it usable through Supabase's transaction pooler), the two
// roles a transaction runs as, the one way a value becomes a jsonb parameter, and the one UUID check.
import postgres from "postgres";
import type { Claims } from "./auth.ts";
import { pgJson } from "./text.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

let pool: Sql | undefined;

export function db(): Sql {
  if (!pool) {
    const url = Deno.env.get("SUPABASE_DB_URL");
    if (!url) throw new Error("SUPABASE_DB_URL is not set");
    pool = postgres(url, {
      prepare: false,
      max: Number(Deno.env.get("DB_POOL_SIZE") ?? 10),
      onnotice: () => {},
    });
  }
  return pool;
}

/** Makes the rest of `tx` run as the caller: role authenticated and the verified claims set, so
 * row-level security applies exactly as through the REST API. */
export async function becomeUser(tx: Tx, claims: Claims): Promise<void> {
  await tx.unsafe("set local role authenticated");
  await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
}

/** Runs `work` in a transaction as the caller (becomeUser). */
export function asUser<T>(claims: Claims, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db().begin(async (tx) => {
    await becomeUser(tx, claims);
    return await work(tx);
  }) as Promise<T>;
}

/** A transaction as the service role (what cron and workers are), with matching claims. */
export function asServiceRole<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await tx.unsafe("set local role service_role");
    await tx`select set_config('request.jwt.claims', '{"role":"service_role"}', true)`;
    return await work(tx);
  }) as Promise<T>;
}

/**
 * `value` as a jsonb parameter (postgres.js sends a bare string as a JSON string, not an object).
 * Its text is made storable first (pgJson): what a platform answered reaches the database this way
 * too, and must not make a write fail.
 */
export function jsonb(sql: Pick<Sql, "json">, value: unknown): postgres.Parameter {
  return sql.json(pgJson(value) as postgres.JSONValue);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `text` is a UUID Postgres accepts in its standard form (an id from a path or a header). */
export function isUuid(text: string | undefined): text is string {
  return text !== undefined && UUID.test(text);
}

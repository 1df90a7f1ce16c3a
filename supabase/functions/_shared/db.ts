// One postgres.js pool per function instance, on SUPABASE_DB_URL. `prepare: false` keeps it usable
// through Supabase's transaction pooler.
import postgres from "postgres";
import type { Claims } from "./auth.ts";

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

/** Runs `work` in a transaction as the caller: role authenticated and the verified claims set,
 * so row-level security applies exactly as through the REST API. */
export function asUser<T>(claims: Claims, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db().begin(async (tx) => {
    await tx.unsafe("set local role authenticated");
    await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
    return await work(tx);
  }) as Promise<T>;
}

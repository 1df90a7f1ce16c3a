// Platform credentials as a test reads and cleans them up: what Vault holds for a platform, and the
// platforms and demo webhook endpoints a renewal test made.
import type postgres from "postgres";
import { DEMO_CLIENT } from "./seed.ts";

/** The credentials Vault holds for the platform (its bound secret, decrypted). */
export async function storedSecret(
  sql: postgres.Sql,
  platformId: string,
): Promise<Record<string, string>> {
  const [row] = await sql`
    select s.decrypted_secret as secret from public.platforms p
    join vault.decrypted_secrets s on s.id = p.credentials_secret_id where p.id = ${platformId}`;
  return JSON.parse(row.secret);
}

/** Removes the platforms a test made and the demo client's webhook endpoints. */
export async function removePlatforms(sql: postgres.Sql, ids: string[]): Promise<void> {
  await sql`delete from public.webhook_endpoints where client_id = ${DEMO_CLIENT}`;
  await sql`delete from public.platforms where id = any(${ids})`;
}

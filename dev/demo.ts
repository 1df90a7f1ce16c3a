// npm run demo: one post due now on each of the demo client's platforms, published through the
// publish function to the local emulators; prints what each platform answered.
import postgres from "postgres";
import { contentFor } from "./demo-content.ts";
import { emulatorOrigin } from "./emulators/ports.ts";
import type { PlatformKind } from "../supabase/functions/_shared/adapters/types.ts";

const env = (name: string) => {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set (run through npm run demo)`);
  return value;
};
const DEMO_CLIENT = "c0000000-0000-4000-8000-000000000001";
const base = Number(env("EMULATOR_BASE_PORT"));
const sql = postgres(env("SUPABASE_DB_URL"), { max: 2, prepare: false, onnotice: () => {} });

try {
  const platforms = await sql<{ id: string; kind: PlatformKind; name: string }[]>`
    select id, kind, name from public.platforms where client_id = ${DEMO_CLIENT} order by kind`;
  const stamp = new Date().toISOString();
  const ids: string[] = [];
  for (const [i, p] of platforms.entries()) {
    const content = contentFor(p.kind, `demo ${stamp}`, emulatorOrigin(p.kind, base));
    const [row] = await sql`insert into public.distributions ${
      sql({
        client_id: DEMO_CLIENT,
        platform_id: p.id,
        content_type: "manual",
        status: "scheduled",
        title: content.title ?? null,
        body: content.body,
        media_urls: content.media_urls ?? null,
        platform_specific: sql.json(JSON.parse(JSON.stringify(content.platform_specific ?? {}))),
        scheduled_for: new Date(Date.now() + i),
      })
    } returning id`;
    ids.push(row.id);
  }
  const response = await fetch(`${env("SUPABASE_URL")}/functions/v1/publish`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${env("SUPABASE_SERVICE_ROLE_KEY")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ budget_ms: 30_000, exit_when_idle: true }),
  });
  console.log(`publish: HTTP ${response.status} ${await response.text()}`);
  const rows = await sql`select p.kind, p.name, d.status, d.external_url, d.error_message
    from public.distributions d join public.platforms p on p.id = d.platform_id
    where d.id = any(${ids}) order by p.kind`;
  for (const r of rows) {
    console.log(`${r.kind.padEnd(10)} ${r.status.padEnd(12)} ${r.external_url ?? r.error_message}`);
  }
  if (rows.some((r) => r.status !== "published")) Deno.exitCode = 1;
} finally {
  await sql.end();
}

// npm run demo: one post due now on each of the demo client's active platforms, published through the
// publish function to the local emulators (invoked with supabase-js, as pg_cron's job or any caller
// holding the service-role key would); prints what each platform answered. Around it, the team
// workflows (demo-workflows.ts): the LinkedIn account reconnected with OAuth, the blog post held for
// review and approved by the owner, and, once published, taken down again.
import postgres from "postgres";
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import type { Database, Tables } from "../supabase/functions/_shared/database.types.ts";
import { contentFor } from "./demo-content.ts";
import { emulatorOrigin } from "./emulators/ports.ts";
import type { PlatformKind } from "../supabase/functions/_shared/adapters/types.ts";
import { jsonb } from "../supabase/functions/_shared/db.ts";
import {
  approve,
  connectLinkedIn,
  DEMO_BLOG,
  dropApprovalRule,
  ownerClient,
  requireApprovalOnBlog,
  takeDown,
} from "./demo-workflows.ts";

const env = (name: string) => {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set (run through npm run demo)`);
  return value;
};
const DEMO_CLIENT = "c0000000-0000-4000-8000-000000000001";
const base = Number(env("EMULATOR_BASE_PORT"));
const sql = postgres(env("SUPABASE_DB_URL"), { max: 2, prepare: false, onnotice: () => {} });

const workflows: { ok: boolean; line: string }[] = [];
try {
  const supabase = createClient<Database>(env("SUPABASE_URL"), env("SUPABASE_SERVICE_ROLE_KEY"), {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const owner = await ownerClient(
    env("SUPABASE_URL"),
    env("SUPABASE_ANON_KEY"),
    env("AUTH_SIGNING_JWK"),
  );
  workflows.push(await connectLinkedIn(sql, owner, emulatorOrigin("linkedin", base)));
  // The blog's post waits for review: the owner approves it before the publish run.
  await requireApprovalOnBlog(sql);
  const platforms = await sql<
    (Pick<Tables<"platforms">, "id" | "name"> & { kind: PlatformKind })[]
  >`
    select id, kind, name from public.platforms
    where client_id = ${DEMO_CLIENT} and is_active order by kind::text`;
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
        platform_specific: jsonb(sql, content.platform_specific ?? {}),
        scheduled_for: new Date(Date.now() + i),
      })
    } returning id`;
    ids.push(row.id);
  }
  const blogIndex = platforms.findIndex((p) => p.id === DEMO_BLOG);
  const blogPost = blogIndex >= 0 ? ids[blogIndex] : undefined;
  if (blogPost) workflows.push(await approve(sql, owner, blogPost));
  await dropApprovalRule(sql);
  const { data, error, response } = await supabase.functions.invoke("publish", {
    body: { budget_ms: 30_000, exit_when_idle: true },
  });
  if (error instanceof FunctionsHttpError) {
    // The reply of a function that answered non-2xx is the error's context.
    const reply = error.context as Response;
    console.log(`publish: HTTP ${reply.status} ${await reply.text()}`);
  } else if (error) {
    throw error;
  } else {
    console.log(`publish: HTTP ${response?.status} ${JSON.stringify(data)}`);
  }
  // A row still scheduled waits for its platform: its own limits (a second demo within a platform's
  // min_interval_minutes) or a pause after a 429. The stack's cron job sends it when that ends.
  const rows =
    await sql`select h.kind, d.status, d.external_url, d.error_message, h.limits_allow_at,
      h.limited_by, h.paused_until, h.pause_reason
    from public.distributions d join public.platform_health h on h.platform_id = d.platform_id
    where d.id = any(${ids}) order by h.kind::text`;
  /** What holds a row still scheduled: a pause after a 429, or the platform's own limits. */
  const holdOf = (r: (typeof rows)[number]): string | null => {
    if (r.status !== "scheduled") return null;
    if (r.paused_until > new Date()) {
      return `${r.pause_reason ?? "paused"} until ${r.paused_until.toISOString()}`;
    }
    if (r.limits_allow_at) {
      return `its ${r.limited_by} limit until ${r.limits_allow_at.toISOString()}`;
    }
    return null;
  };
  let waiting = 0;
  for (const r of rows) {
    const holds = holdOf(r);
    if (holds) waiting++;
    console.log(
      `${r.kind.padEnd(10)} ${r.status.padEnd(12)} ${
        holds ? `waits for ${holds}` : r.external_url ?? r.error_message
      }`,
    );
  }
  const published = rows.filter((r) => r.status === "published").length;
  if (waiting > 0) {
    console.log(
      `${waiting} of ${rows.length} wait for their platform: the stack's cron job publishes each when it may`,
    );
  }
  if (blogPost) {
    const [blog] = await sql`select status from public.distributions where id = ${blogPost}`;
    workflows.push(
      blog.status === "published"
        ? await takeDown(sql, owner, supabase, blogPost)
        : { ok: true, line: `take-down wordpress: skipped, the blog post is ${blog.status}` },
    );
  }
  for (const w of workflows) console.log(w.line);
  if (published + waiting < rows.length || workflows.some((w) => !w.ok)) Deno.exitCode = 1;
} finally {
  await dropApprovalRule(sql).catch(() => {});
  await sql.end();
}

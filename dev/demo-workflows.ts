// The team workflows `npm run demo` shows beside the eight publishes, each as the demo owner would do it
// through the functions (supabase-js `functions.invoke` with the owner's access token):
//   - connect: the Demo LinkedIn account reconnected with OAuth (the emulator plays LinkedIn's consent
//     page and token endpoint; the browser's two redirects are followed here);
//   - review: an approval rule makes the blog post wait `pending_approval` until the owner approves it;
//   - take-down: the published blog post is unpublished through the publisher's claimed path.
import type postgres from "postgres";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { Database } from "../supabase/functions/_shared/database.types.ts";
import { signWithJwk, userClaims } from "./auth-keys.ts";
import { invokeFunction as invoke } from "./invoke.ts";

export const DEMO_OWNER = "a0000000-0000-4000-8000-000000000001";
export const DEMO_BLOG = "b0000000-0000-4000-8000-000000000001";
export const DEMO_LINKEDIN = "b0000000-0000-4000-8000-000000000003";

/** A supabase-js client acting as the demo owner, with an access token signed as Auth would sign it. */
export async function ownerClient(
  url: string,
  anonKey: string,
  signingJwk: string,
): Promise<SupabaseClient<Database>> {
  const jwk = JSON.parse(signingJwk);
  const token = await signWithJwk(jwk, userClaims(DEMO_OWNER), {
    expiresIn: 900,
    issuer: `${url}/auth/v1`,
  });
  return createClient<Database>(url, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    accessToken: () => Promise.resolve(token),
  });
}

/**
 * Reconnects the Demo LinkedIn account with OAuth: `POST /connections` answers LinkedIn's consent URL,
 * the consent page (the emulator) redirects to `connections-callback` with a code, and the callback
 * stores the new tokens in Vault and fills the account. Returns a line to print.
 */
export async function connectLinkedIn(
  sql: postgres.Sql,
  owner: SupabaseClient<Database>,
  linkedinOrigin: string,
): Promise<{ ok: boolean; line: string }> {
  // Where the consent page and token endpoint are: the emulator's (an owner's setting).
  await sql`update public.platforms
               set publish_config = publish_config || ${
    sql.json({
      token_url: `${linkedinOrigin}/oauth/v2/accessToken`,
      authorize_url: `${linkedinOrigin}/oauth/v2/authorization`,
    })
  }
             where id = ${DEMO_LINKEDIN}`;
  const started = await invoke(owner, "connections", { body: { platform_id: DEMO_LINKEDIN } });
  if (started.status !== 200) {
    return {
      ok: false,
      line: `connect   linkedin: HTTP ${started.status} ${JSON.stringify(started.body)}`,
    };
  }
  // The browser: the consent page redirects back to the callback, which finishes the connection.
  const consent = await fetch(started.body.authorization_url, { redirect: "manual" });
  await consent.body?.cancel();
  const back = consent.headers.get("location");
  if (consent.status !== 302 || !back) {
    return { ok: false, line: `connect   linkedin: the consent page answered ${consent.status}` };
  }
  const callback = await fetch(back);
  const done = await callback.json();
  if (callback.status !== 200) {
    return {
      ok: false,
      line: `connect   linkedin: callback HTTP ${callback.status} ${JSON.stringify(done)}`,
    };
  }
  return {
    ok: true,
    line:
      `connect   linkedin: connected with OAuth as ${done.account_name} (${done.account_id}), ` +
      `${
        done.followers_count === null ? "" : `${done.followers_count} followers, `
      }tokens stored in Vault`,
  };
}

/** Makes the Demo Blog's posts need approval (the rule stays until `dropApprovalRule`). */
export async function requireApprovalOnBlog(sql: postgres.Sql): Promise<void> {
  await sql`insert into public.approval_rules (client_id, platform_id)
            select client_id, id from public.platforms where id = ${DEMO_BLOG}
             and not exists (select 1 from public.approval_rules
                              where platform_id = ${DEMO_BLOG} and content_type is null)`;
}

export async function dropApprovalRule(sql: postgres.Sql): Promise<void> {
  await sql`delete from public.approval_rules where platform_id = ${DEMO_BLOG}`;
}

/** The owner approves a waiting post; if its slot passed while it waited, the next allowed time. */
export async function approve(
  sql: postgres.Sql,
  owner: SupabaseClient<Database>,
  id: string,
): Promise<{ ok: boolean; line: string }> {
  const [before] = await sql`select status from public.distributions where id = ${id}`;
  const reply = await invoke(owner, `schedule/distributions/${id}/approve`, {
    body: { if_passed: "next_slot" },
  });
  const status = reply.body?.distribution?.status;
  if (reply.status !== 200 || status !== "scheduled") {
    return {
      ok: false,
      line: `review    wordpress: approve HTTP ${reply.status} ${JSON.stringify(reply.body)}`,
    };
  }
  return {
    ok: true,
    line: `review    wordpress: ${before.status} until the owner approved it -> ${status}`,
  };
}

/**
 * The owner takes the published blog post down: `POST .../unpublish` queues it (`requested`), the publish
 * run deletes it on the platform and records `unpublished`.
 */
export async function takeDown(
  sql: postgres.Sql,
  owner: SupabaseClient<Database>,
  service: SupabaseClient<Database>,
  id: string,
): Promise<{ ok: boolean; line: string }> {
  const asked = await invoke(owner, `schedule/distributions/${id}/unpublish`, { method: "POST" });
  if (asked.status >= 300) {
    return {
      ok: false,
      line: `take-down wordpress: HTTP ${asked.status} ${JSON.stringify(asked.body)}`,
    };
  }
  // The request woke the publisher; a run of our own makes sure one goes. Whichever sends the delete
  // records the outcome: wait for it (20 s at most).
  await invoke(service, "publish", { body: { budget_ms: 30_000, exit_when_idle: true } });
  const until = Date.now() + 20_000;
  let row;
  for (;;) {
    [row] = await sql`select unpublish_state, unpublished_at, error_message
                        from public.distributions where id = ${id}`;
    if (row.unpublish_state !== "requested" || Date.now() > until) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    ok: row.unpublish_state === "unpublished",
    line: `take-down wordpress: ${row.unpublish_state}` +
      (row.unpublished_at ? ` at ${row.unpublished_at.toISOString()}` : ` (${row.error_message})`),
  };
}

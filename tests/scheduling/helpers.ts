// Scheduling test helpers: a throwaway tenant (user, client, platforms) and API calls as a user.
import type postgres from "postgres";
import { jsonb } from "../../supabase/functions/_shared/db.ts";
import type { FunctionInvokeOptions } from "@supabase/supabase-js";
import {
  type FunctionReply,
  invokeFunction,
  stack,
  supabaseClient,
  userJwt,
} from "../_support/stack.ts";

export interface TenantPlatform {
  kind: string;
  publish_config?: Record<string, unknown>;
  posts_per_hour?: number | null;
  posts_per_day?: number | null;
  min_interval_minutes?: number;
  timezone?: string;
}

export interface Tenant {
  clientId: string;
  userId: string;
  platforms: string[];
  token: string;
}

const CONFIG: Record<string, Record<string, unknown>> = {
  wordpress: { base_url: "http://127.0.0.1:9" },
  x: {},
  linkedin: { author_urn: "urn:li:organization:1" },
  instagram: { ig_user_id: "1" },
};

/** A new client with an owner (or `role`) and the given platforms, created as postgres. */
export async function createTenant(
  sql: postgres.Sql,
  platforms: TenantPlatform[],
  role = "owner",
): Promise<Tenant> {
  const userId = crypto.randomUUID();
  const tag = userId.slice(0, 8);
  await sql`insert into auth.users (id, email, aud, role)
            values (${userId}, ${`u-${tag}@test.local`}, 'authenticated', 'authenticated')`;
  const [client] = await sql`insert into public.clients (name) values (${`Client ${tag}`})
                             returning id`;
  await sql`insert into public.client_members (client_id, user_id, role)
            values (${client.id}, ${userId}, ${role})`;
  const ids: string[] = [];
  for (const [i, p] of platforms.entries()) {
    const [row] = await sql`
      insert into public.platforms (client_id, name, kind, timezone, publish_config,
        posts_per_hour, posts_per_day, min_interval_minutes)
      values (${client.id}, ${`${p.kind} ${i}`}, ${p.kind}, ${p.timezone ?? "America/New_York"},
        ${jsonb(sql, p.publish_config ?? CONFIG[p.kind] ?? {})},
        ${p.posts_per_hour ?? null}, ${p.posts_per_day ?? null}, ${p.min_interval_minutes ?? 0})
      returning id`;
    ids.push(String(row.id));
  }
  return { clientId: String(client.id), userId, platforms: ids, token: await userJwt(userId) };
}

export type ApiReply = FunctionReply;

/** Calls the schedule function (path below /functions/v1/schedule) with the tenant's token. */
export function api(
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiReply> {
  return callFunction("schedule", token, method, path, body);
}

/** Calls a function (path below /functions/v1/<name>) as a signed-in user: supabase-js with the
 * publishable (anon) key and the user's token, through `functions.invoke`. */
export function callFunction(
  name: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiReply> {
  const client = supabaseClient({ key: stack.anonKey, accessToken: token });
  return invokeFunction(client, `${name}${path}`, {
    method: method as FunctionInvokeOptions["method"],
    ...(body === undefined ? {} : { body: body as Record<string, unknown> }),
  });
}

/** An instant `days` from now at a quarter hour, as ISO 8601 with an offset. */
export function future(days = 3, hour = 15): string {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

export const LONG_BODY = Array.from(
  { length: 12 },
  (_, i) => `Sentence ${i} explains one budgeting habit in plain words.`,
).join(" ");

// Members of a throwaway client for the creds tests: SQL run as a signed-in member (role authenticated and
// the member's claims, as PostgREST and the functions do) and calls to a function with the member's token.
import type postgres from "postgres";
import { stack, userJwt } from "../_support/stack.ts";
import { createTenant, type TenantPlatform } from "../scheduling/helpers.ts";

export type Sql = postgres.Sql;
export type Role = "owner" | "editor" | "viewer";

export interface Member {
  userId: string;
  token: string;
}

export interface Client {
  clientId: string;
  platforms: string[];
  members: Record<Role, Member>;
}

/** A new client with the given platforms and one owner, one editor and one viewer. */
export async function clientWithMembers(sql: Sql, platforms: TenantPlatform[]): Promise<Client> {
  const t = await createTenant(sql, platforms);
  const members = { owner: { userId: t.userId, token: t.token } } as Record<Role, Member>;
  for (const role of ["editor", "viewer"] as const) {
    const userId = crypto.randomUUID();
    await sql`insert into auth.users (id, email, aud, role)
              values (${userId}, ${`${role}-${
      userId.slice(0, 8)
    }@test.local`}, 'authenticated', 'authenticated')`;
    await sql`insert into public.client_members (client_id, user_id, role)
              values (${t.clientId}, ${userId}, ${role})`;
    members[role] = { userId, token: await userJwt(userId) };
  }
  return { clientId: t.clientId, platforms: t.platforms, members };
}

/** Runs `work` in a transaction as the member (role authenticated with their claims). */
export async function asMember<T>(
  sql: Sql,
  member: Member,
  work: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  return await sql.begin(async (tx) => {
    await tx.unsafe("set local role authenticated");
    const claims = { sub: member.userId, role: "authenticated", aud: "authenticated" };
    await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
    return await work(tx);
  }) as T;
}

/** The error a statement run as `member` raises (undefined when it succeeds). */
export async function refusal(
  sql: Sql,
  member: Member,
  work: (tx: postgres.TransactionSql) => Promise<unknown>,
): Promise<{ code: string; message: string } | undefined> {
  try {
    await asMember(sql, member, work);
    return undefined;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (!e.code) throw error;
    return { code: e.code, message: e.message ?? "" };
  }
}

/** POST/GET a function as `member`; the JSON reply and its status. */
export async function callAs(
  member: Member,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const res = await fetch(`${stack.url}/functions/v1/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${member.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

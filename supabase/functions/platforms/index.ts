// Platform connections (a signed-in user's JWT; every query runs as that user, so RLS applies):
//   GET  /platforms                 the caller's platforms as platform_health has them (any member)
//   GET  /platforms/:id             one of them: queue depth, pause, reconnection flag, and when its
//                                   own limits next allow a post (limits_allow_at, limited_by)
//   POST /platforms/:id/reconnect   {credentials: {...}, retry_failed?: true}   (owners only)
// The credentials are checked against the platform kind's schema (every bad field named, nothing
// stored), then public.reconnect_platform stores them in Vault and clears the reconnection flag. The
// reply says how many rows wait and which failed on the auth error; with retry_failed those go back
// to the queue in the same transaction (public.retry_failed_on_auth) and are listed as `retried`.
// WordPress credentials are tried on the site first (GET users/me): a wrong password, a user who
// cannot publish, or a site that is not a WordPress REST API is a 400 naming the field (502 when the
// site cannot be reached), nothing stored; the user's name becomes the row's account_name.
// Credentials are never returned.
import { z } from "zod";
import { type Claims, requireUser } from "../_shared/auth.ts";
import { asUser, isUuid, jsonb } from "../_shared/db.ts";
import { handle, json, readJson } from "../_shared/endpoint.ts";
import { HttpError } from "../_shared/http-error.ts";
import { credentialErrors, hasCredentialSchema } from "../_shared/platforms/credentials.ts";
import {
  PlatformKindSchema,
  type PlatformRow,
  PlatformRowSchema,
} from "../_shared/adapters/types.ts";
import { createAdapter } from "../_shared/adapters/registry.ts";
import type { WordPressAccount, WordPressAdapter } from "../_shared/adapters/wordpress.ts";
import { mappingSqlErrors } from "../_shared/sql-errors.ts";

/** A credential field's largest size (as JSON): tokens and keys are far smaller; Vault is no dump. */
const MAX_CREDENTIAL_FIELD_BYTES = 8 * 1024;
const MAX_CREDENTIAL_FIELDS = 20;

const CredentialValue = z.unknown().refine(
  (v) => new TextEncoder().encode(JSON.stringify(v) ?? "").length <= MAX_CREDENTIAL_FIELD_BYTES,
  { message: `at most ${MAX_CREDENTIAL_FIELD_BYTES} bytes` },
);

const ReconnectRequest = z.object({
  credentials: z.record(z.string().min(1).max(100), CredentialValue).refine(
    (c) => Object.keys(c).length <= MAX_CREDENTIAL_FIELDS,
    { message: `at most ${MAX_CREDENTIAL_FIELDS} fields` },
  ),
  retry_failed: z.boolean().optional(),
}).strict();

Deno.serve(handle(async (req) => {
  const claims = await requireUser(req);
  const [id, action, ...rest] = new URL(req.url).pathname.replace(/\/+$/, "").split("/").slice(2);
  if (action === undefined) return await health(claims, req.method, id);
  if (action !== "reconnect" || rest.length > 0) {
    throw new HttpError(404, "Not found: see the routes in supabase/functions/platforms/index.ts");
  }
  if (req.method !== "POST") throw new HttpError(405, "POST new credentials");
  if (!isUuid(id)) throw new HttpError(404, "platform not found");
  const { credentials, retry_failed: retryFailed } = await readJson(req, ReconnectRequest, {
    maxBytes: 64 * 1024,
  });

  // The row as the caller sees it; an owner's WordPress credentials are tried on the site first
  // (outside any transaction: it is a call to another server).
  const platform = await asUser(claims, async (tx) => {
    const [row] = await tx`
      select p.id, p.client_id, p.kind, p.name, p.publish_config, p.credentials_secret_id,
             exists (select 1 from public.client_members m
                     where m.client_id = p.client_id and m.user_id = ${claims.sub}::uuid
                       and m.role = 'owner') as is_owner
      from public.platforms p where p.id = ${id}::uuid`;
    if (!row) throw new HttpError(404, "platform not found");
    return row;
  });
  const kind = PlatformKindSchema.parse(platform.kind);
  const errors = hasCredentialSchema(kind) ? credentialErrors(kind, credentials) : [];
  if (errors.length > 0) {
    throw new HttpError(
      400,
      `These are not ${kind} credentials`,
      errors.map((e) => ({
        field: ["credentials", e.field].filter(Boolean).join("."),
        message: e.message,
      })),
    );
  }
  const account = kind === "wordpress" && platform.is_owner
    ? await wordpressAccount(PlatformRowSchema.parse({ ...platform }), credentials)
    : undefined;

  const result = await asUser(claims, async (tx) => {
    return await mappingSqlErrors(async () => {
      if (account) {
        // The site checked is still the row's: an edit of publish_config meanwhile is sent again.
        const [same] = await tx`
          select publish_config = ${jsonb(tx, platform.publish_config)} as same
          from public.platforms where id = ${id}::uuid for update`;
        if (!same?.same) {
          throw new HttpError(
            409,
            "The platform's publish_config changed while its credentials were checked: send them again",
          );
        }
      }
      const [row] = await tx`select public.reconnect_platform(${id}::uuid, ${
        jsonb(tx, credentials)
      }) as result`;
      if (account) {
        await tx`update public.platforms
                    set account_id = ${account.account_id}, account_name = ${account.account_name}
                  where id = ${id}::uuid`;
      }
      if (!retryFailed) return row.result;
      const [{ retried }] = await tx`select public.retry_failed_on_auth(${id}::uuid) as retried`;
      // a statement of its own: it must see what the retries changed
      const [left] = await tx`
        select coalesce(jsonb_agg(f.id), '[]'::jsonb) as ids
        from scheduling.failed_on_auth(${id}::uuid) as f(id)`;
      return { ...row.result, failed_on_auth: left.ids, retried };
    });
  });
  return json(200, account ? { ...result, account_name: account.account_name } : result);
}));

/**
 * The WordPress user the credentials sign in as, asked of the site (WordPressAdapter.verifyAccount,
 * through the egress-checked client publishing uses); an HttpError naming the field when the site
 * refuses the password, the user cannot publish, or the site is not a WordPress REST API.
 */
async function wordpressAccount(
  platform: PlatformRow,
  credentials: Record<string, unknown>,
): Promise<WordPressAccount> {
  let adapter: WordPressAdapter;
  try {
    adapter = createAdapter(platform, credentials) as WordPressAdapter;
  } catch (error) {
    throw new HttpError(400, "The platform's publish_config cannot be used", [{
      field: "publish_config",
      message: error instanceof Error ? error.message : String(error),
    }]);
  }
  const checked = await adapter.verifyAccount();
  if (checked.ok) return checked.account;
  throw new HttpError(
    checked.status,
    checked.status === 502
      ? "The WordPress site could not be reached to check the credentials; nothing was stored"
      : "The WordPress site does not accept these credentials; nothing was stored",
    [{ field: checked.field, message: checked.message }],
  );
}

/** GET /platforms[/:id]: platform_health under the caller's row-level security. */
async function health(claims: Claims, method: string, id: string | undefined) {
  if (method !== "GET") throw new HttpError(405, "GET a platform's health; POST .../reconnect");
  if (id !== undefined && !isUuid(id)) throw new HttpError(404, "platform not found");
  const rows = await asUser(claims, (tx) =>
    tx`select * from public.platform_health
       where ${id === undefined ? tx`true` : tx`platform_id = ${id}::uuid`}
       order by client_id, kind::text, platform`);
  if (id === undefined) return json(200, { platforms: rows });
  if (rows.length === 0) throw new HttpError(404, "platform not found");
  return json(200, rows[0]);
}

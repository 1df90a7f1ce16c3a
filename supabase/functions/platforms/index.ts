// Platform connections (a signed-in user's JWT; every query runs as that user, so RLS applies):
//   GET  /platforms                 the caller's platforms as platform_health has them (any member)
//   GET  /platforms/:id             one of them: queue depth, pause, reconnection flag, and when its
//                                   own limits next allow a post (limits_allow_at, limited_by)
//   POST /platforms/:id/reconnect   {credentials: {...}, retry_failed?: true}   (owners only)
// The credentials are checked against the platform kind's schema (every bad field named, nothing
// stored), then public.reconnect_platform stores them in Vault and clears the reconnection flag. The
// reply says how many rows wait and which failed on the auth error; with retry_failed those go back
// to the queue in the same transaction (public.retry_failed_on_auth) and are listed as `retried`.
// Credentials are never returned.
import { z } from "zod";
import { type Claims, requireUser } from "../_shared/auth.ts";
import { asUser, isUuid, jsonb } from "../_shared/db.ts";
import { handle, json, readJson } from "../_shared/endpoint.ts";
import { HttpError } from "../_shared/http-error.ts";
import { credentialErrors, hasCredentialSchema } from "../_shared/platforms/credentials.ts";
import { PlatformKindSchema } from "../_shared/adapters/types.ts";
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

  const result = await asUser(claims, async (tx) => {
    const [platform] = await tx<{ kind: string }[]>`
      select kind from public.platforms where id = ${id}::uuid`;
    if (!platform) throw new HttpError(404, "platform not found");
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
    return await mappingSqlErrors(async () => {
      const [row] = await tx`select public.reconnect_platform(${id}::uuid, ${
        jsonb(tx, credentials)
      }) as result`;
      if (!retryFailed) return row.result;
      const [{ retried }] = await tx`select public.retry_failed_on_auth(${id}::uuid) as retried`;
      // a statement of its own: it must see what the retries changed
      const [left] = await tx`
        select coalesce(jsonb_agg(f.id), '[]'::jsonb) as ids
        from scheduling.failed_on_auth(${id}::uuid) as f(id)`;
      return { ...row.result, failed_on_auth: left.ids, retried };
    });
  });
  return json(200, result);
}));

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

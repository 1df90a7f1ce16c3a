// Connecting a platform account with OAuth (owners of the client only; a signed-in user's JWT):
//   POST /connections {platform_kind, client_id, name?, publish_config?}   a new platform
//   POST /connections {platform_id}                                         reconnect that platform
// answers 200 {authorization_url, redirect_uri, expires_at}. The person opens authorization_url,
// consents at the provider, and the provider redirects to the public connections-callback function,
// which finishes the connection. The state in the URL is random, kept only as its SHA-256 in
// private.oauth_states with the caller, the client, the platform and the PKCE verifier, works once
// and for ten minutes. Kinds: see CONNECTABLE_KINDS (_shared/platforms/connect.ts); other kinds take
// credentials through POST /platforms/:id/reconnect.
import { z } from "zod";
import { requireUser } from "../_shared/auth.ts";
import { asUser, db, jsonb } from "../_shared/db.ts";
import { handle, json, readJson } from "../_shared/endpoint.ts";
import { HttpError } from "../_shared/http-error.ts";
import { type PlatformKind, PlatformKindSchema } from "../_shared/adapters/types.ts";
import { apiUrlRefusal } from "../_shared/platforms/api-hosts.ts";
import {
  authorizationUrl,
  authorizeUrlRefusal,
  callbackUrl,
  CONNECTABLE_KINDS,
  oauthApp,
  pkceChallenge,
  providerFor,
  randomToken,
  sha256Hex,
} from "../_shared/platforms/connect.ts";

/** How long a started connection waits for the provider's redirect. */
const STATE_LIFETIME_MINUTES = 10;

const StartRequest = z.object({
  platform_id: z.uuid().optional(),
  platform_kind: PlatformKindSchema.optional(),
  client_id: z.uuid().optional(),
  name: z.string().trim().min(1).max(200).optional(),
  publish_config: z.record(z.string(), z.unknown()).optional(),
}).strict().refine((r) => r.platform_id !== undefined || (r.platform_kind && r.client_id), {
  message: "platform_id (reconnect a platform), or platform_kind and client_id (a new one)",
});

interface Target {
  clientId: string;
  platformId: string | null;
  kind: PlatformKind;
  name: string | null;
  publishConfig: Record<string, unknown>;
}

Deno.serve(handle(async (req) => {
  if (req.method !== "POST") {
    throw new HttpError(405, "POST {platform_kind, client_id} or {platform_id}");
  }
  const claims = await requireUser(req);
  const body = await readJson(req, StartRequest, { maxBytes: 64 * 1024 });

  const target = await asUser(claims, async (tx): Promise<Target> => {
    let target: Target;
    if (body.platform_id !== undefined) {
      const [row] = await tx<
        { client_id: string; kind: string; publish_config: Record<string, unknown> }[]
      >`
        select client_id, kind, publish_config from public.platforms where id = ${body.platform_id}::uuid`;
      if (!row) throw new HttpError(404, "platform not found");
      const kind = PlatformKindSchema.parse(row.kind);
      if (body.platform_kind !== undefined && body.platform_kind !== kind) {
        throw new HttpError(400, `platform ${body.platform_id} is a ${kind} platform`, [
          { field: "platform_kind", message: `must be ${kind} (or left out)` },
        ]);
      }
      if (body.publish_config !== undefined || body.name !== undefined) {
        throw new HttpError(400, "a reconnection keeps the platform's name and publish_config", [
          {
            field: body.name !== undefined ? "name" : "publish_config",
            message: "not allowed with platform_id",
          },
        ]);
      }
      target = {
        clientId: row.client_id,
        platformId: body.platform_id,
        kind,
        name: null,
        publishConfig: row.publish_config,
      };
    } else {
      target = {
        clientId: body.client_id!,
        platformId: null,
        kind: body.platform_kind!,
        name: body.name ?? `${body.platform_kind} account`,
        publishConfig: body.publish_config ?? {},
      };
    }
    // the caller's own membership rows are theirs to read
    const [member] = await tx<{ role: string }[]>`
      select role from public.client_members
      where client_id = ${target.clientId}::uuid and user_id = ${claims.sub}::uuid`;
    if (!member) throw new HttpError(404, "client not found");
    if (member.role !== "owner") {
      throw new HttpError(403, "permission denied: only owners of the client connect accounts");
    }
    return target;
  });

  if (!providerFor(target.kind)) {
    throw new HttpError(400, `${target.kind} accounts do not connect with OAuth here`, [{
      field: "platform_kind",
      message: `one of ${CONNECTABLE_KINDS.join(", ")}; other kinds take credentials through ` +
        "POST /platforms/:id/reconnect",
    }]);
  }
  const app = oauthApp(target.kind);
  if (!app) {
    throw new HttpError(
      503,
      `no ${target.kind} OAuth app is configured: the operator sets the function secrets ` +
        `OAUTH_${target.kind.toUpperCase()}_CLIENT_ID and OAUTH_${target.kind.toUpperCase()}_CLIENT_SECRET`,
    );
  }
  const refusals = [
    authorizeUrlRefusal(target.kind, target.publishConfig),
    ...["base_url", "token_url"].filter((k) => target.publishConfig[k] !== undefined)
      .map((k) => apiUrlRefusal(target.kind, `publish_config.${k}`, target.publishConfig[k])),
  ].filter((r): r is string => r !== undefined);
  const sql = db();
  if (target.platformId === null) {
    const [check] = await sql<{ problem: string | null }[]>`
      select private.publish_config_problem(${jsonb(sql, target.publishConfig)}, ${target.kind})
        as problem`;
    if (check.problem) refusals.push(check.problem);
  }
  if (refusals.length > 0) {
    throw new HttpError(
      400,
      "publish_config cannot be used",
      refusals.map((message) => ({ field: "publish_config", message })),
    );
  }

  const state = randomToken();
  const verifier = randomToken();
  const [row] = await sql<{ expires_at: Date }[]>`
    with expired as (delete from private.oauth_states where expires_at <= now())
    insert into private.oauth_states
      (state_hash, user_id, client_id, platform_id, kind, name, publish_config, code_verifier,
       expires_at)
    values (${await sha256Hex(state)}, ${claims.sub}::uuid, ${target.clientId}::uuid,
            ${target.platformId}::uuid, ${target.kind}, ${target.name},
            ${jsonb(sql, target.publishConfig)}, ${verifier},
            now() + make_interval(mins => ${STATE_LIFETIME_MINUTES}))
    returning expires_at`;
  return json(200, {
    authorization_url: authorizationUrl(
      target.kind,
      target.publishConfig,
      app,
      state,
      await pkceChallenge(verifier),
    ),
    redirect_uri: callbackUrl(),
    platform_kind: target.kind,
    platform_id: target.platformId,
    expires_at: row.expires_at.toISOString(),
  });
}));

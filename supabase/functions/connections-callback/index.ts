// The public end of connecting an account with OAuth (verify_jwt = false: the provider's redirect
// carries no Supabase token). GET /connections-callback?code=...&state=... (or ?error=...&state=...):
// the state must be one POST /connections issued (kept as its SHA-256) and is used up here whatever
// follows; an expired one is refused. The person who started it must still own the client. The code
// is exchanged with the PKCE verifier at the kind's token endpoint, the account is read, and in one
// transaction the platform is created (or the reconnected one kept), its tokens stored in its own
// Vault secret (public.reconnect_platform, which clears needs_reconnection) and its account_id,
// account_name and followers_count filled (with publish_config settings the account decides, such as
// LinkedIn's author_urn, when the row has none). Answers 200 with the platform and account; 400 for an
// unknown, used or expired state or a code the provider refuses, 403 when the account holder
// refused or the starter no longer owns the client.
import { db, jsonb } from "../_shared/db.ts";
import { handle, json } from "../_shared/endpoint.ts";
import { HttpError } from "../_shared/http-error.ts";
import { PlatformKindSchema } from "../_shared/adapters/types.ts";
import {
  completeConnection,
  ConnectionFailed,
  oauthApp,
  providerFor,
  sha256Hex,
} from "../_shared/platforms/connect.ts";

interface PendingConnection {
  user_id: string;
  client_id: string;
  platform_id: string | null;
  kind: string;
  name: string | null;
  publish_config: Record<string, unknown>;
  code_verifier: string;
  expired: boolean;
}

const START_AGAIN = "start the connection again (POST /functions/v1/connections)";

Deno.serve(handle(async (req) => {
  if (req.method !== "GET") throw new HttpError(405, "the provider redirects here with GET");
  const query = new URL(req.url).searchParams;
  const state = query.get("state");
  if (!state) throw new HttpError(400, `the redirect carries no state: ${START_AGAIN}`);
  const sql = db();
  const [pending] = await sql<PendingConnection[]>`
    delete from private.oauth_states where state_hash = ${await sha256Hex(state)}
    returning user_id, client_id, platform_id, kind, name, publish_config, code_verifier,
              expires_at <= now() as expired`;
  if (!pending) {
    throw new HttpError(400, `this connection link is unknown or was already used: ${START_AGAIN}`);
  }
  if (pending.expired) {
    throw new HttpError(
      400,
      `this connection was started more than ten minutes ago: ${START_AGAIN}`,
    );
  }
  const kind = PlatformKindSchema.parse(pending.kind);
  const label = providerFor(kind)?.label ?? kind;
  const refused = query.get("error");
  if (refused) {
    const why = query.get("error_description");
    throw new HttpError(
      403,
      `${label} did not grant access (${refused}${why ? `: ${why}` : ""}): nothing changed; ` +
        START_AGAIN,
    );
  }
  const code = query.get("code");
  if (!code) throw new HttpError(400, `the redirect carries no code: ${START_AGAIN}`);
  const [owner] = await sql<{ ok: boolean }[]>`
    select exists (select 1 from public.client_members m
                   where m.client_id = ${pending.client_id}::uuid and m.user_id = ${pending.user_id}::uuid
                     and m.role = 'owner') as ok`;
  if (!owner.ok) {
    throw new HttpError(
      403,
      "permission denied: the person who started this connection no longer owns the client",
    );
  }
  let publishConfig = pending.publish_config;
  if (pending.platform_id !== null) {
    const [platform] = await sql<{ publish_config: Record<string, unknown> }[]>`
      select publish_config from public.platforms where id = ${pending.platform_id}::uuid`;
    if (!platform) throw new HttpError(404, "the platform being reconnected no longer exists");
    publishConfig = platform.publish_config;
  }
  const app = oauthApp(kind);
  if (!app) throw new HttpError(503, `no ${kind} OAuth app is configured`);

  let connected;
  try {
    connected = await completeConnection(
      { kind, publish_config: publishConfig },
      app,
      code,
      pending.code_verifier,
    );
  } catch (error) {
    if (error instanceof ConnectionFailed) throw new HttpError(error.status, error.message);
    throw error;
  }
  const { account, credentials } = connected;
  const settings = { ...publishConfig, ...connected.publishConfig };

  const result = await sql.begin(async (tx) => {
    let platformId = pending.platform_id;
    if (platformId === null) {
      const [created] = await tx<{ id: string }[]>`
        insert into public.platforms (client_id, name, kind, publish_config)
        values (${pending.client_id}::uuid, ${pending.name ?? `${kind} account`}, ${kind},
                ${jsonb(tx, settings)})
        returning id`;
      platformId = created.id;
    } else if (Object.keys(connected.publishConfig).length > 0) {
      await tx`update public.platforms
                  set publish_config = publish_config || ${jsonb(tx, connected.publishConfig)}
                where id = ${platformId}::uuid`;
    }
    const [reconnected] = await tx<{ result: Record<string, unknown> }[]>`
      select public.reconnect_platform(${platformId}::uuid, ${jsonb(tx, credentials)}) as result`;
    await tx`
      update public.platforms
         set account_id = ${account.account_id}, account_name = ${account.account_name},
             followers_count = ${account.followers_count}
       where id = ${platformId}::uuid`;
    return {
      ...reconnected.result,
      created: pending.platform_id === null,
      kind,
      client_id: pending.client_id,
      ...account,
    };
  });
  return json(200, result);
}));

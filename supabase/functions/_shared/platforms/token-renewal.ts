/**
 * Renewing OAuth 2.0 access tokens ahead of expiry (the renew-tokens job), so no post waits on a
 * renewal and a refresh token that stopped working is found before a post needs it.
 *
 * Each run picks the active platforms whose stored access token (`expires_at` in their Vault secret)
 * expires within the window, soonest first, at most `limit` of them and as many as the CPU budget
 * allows, and renews each at its token endpoint through OAuth2Bearer: under the platform's credential
 * lock, so a publish worker or another run renewing the same token at that moment is waited for and
 * its new token adopted instead of a second refresh. A refusal (the token endpoint answers the refresh
 * token is invalid, revoked or expired) flags the platform `needs_reconnection` with the reason; the
 * flag queues the outbound webhook event `platform.reconnection_needed`
 * (private.enqueue_platform_webhooks). A transient failure (network, 5xx, rate limit) is reported and
 * tried again on the next run while the token still works.
 *
 * Kinds renewed: TikTok, LinkedIn and YouTube (Google), and X with OAuth 2.0 credentials, when the
 * secret holds a refresh token and the OAuth client. Instagram (Facebook Login) has no refresh token:
 * its long-lived user token (60 days) is exchanged for a new one at the Graph API
 * (`GET /<version>/oauth/access_token?grant_type=fb_exchange_token`, with the operator's Facebook app
 * from OAUTH_INSTAGRAM_CLIENT_ID / _SECRET) once it is within INSTAGRAM_RENEW_WITHIN_SECONDS of its
 * expiry (or the run's window, when wider), under the same lock and with the same outcomes.
 */
import type postgres from "postgres";
import { z } from "zod";
import type { ErrorProfile } from "../net/classify.ts";
import type { HttpDepsOverrides } from "../net/api-client.ts";
import { httpClientFor } from "../net/api-client.ts";
import { OAuth2Bearer, type OAuth2Client, oauth2TokenErrors } from "./oauth2.ts";
import { credentialErrors, type OAuth2Credentials, vaultCredentialStore } from "./credentials.ts";
import { LinkedInConfigSchema } from "../adapters/linkedin.ts";
import { YouTubeConfigSchema } from "../adapters/youtube.ts";
import { TikTokConfigSchema } from "../adapters/tiktok.ts";
import { X_TOKEN_ERRORS, XConfigSchema } from "../adapters/x.ts";
import type { CpuMeter } from "../cpu-budget.ts";
import { INSTAGRAM_ERRORS, InstagramConfigSchema } from "../adapters/instagram.ts";
import type { Failure } from "../adapters/types.ts";
import { apiUrlRefusal } from "./api-hosts.ts";
import { oauthApp } from "./connect.ts";

/** The kinds whose access tokens this job renews. */
const RENEWABLE_KINDS = ["tiktok", "linkedin", "youtube", "x", "instagram"] as const;
type RenewableKind = (typeof RENEWABLE_KINDS)[number];

/**
 * An Instagram long-lived token is renewed once it expires within this many seconds (a week of its
 * 60 days): hourly runs then have days of tries, and the person days to reconnect after a refusal.
 */
export const INSTAGRAM_RENEW_WITHIN_SECONDS = 7 * 24 * 3600;

/** The longest a token's `expires_in` is believed (a year), as oauth2.ts. */
const MAX_EXPIRES_IN_S = 366 * 24 * 3600;

/** How a kind's tokens are renewed: its token endpoint, the client's fields, the errors it answers. */
interface TokenEndpoint {
  client: Omit<OAuth2Client, "store">;
  credentials: OAuth2Credentials;
  errors: ErrorProfile;
  timeout_ms?: number;
}

type Secret = Record<string, unknown>;

/** The token endpoint of a platform (from its publish_config, as its adapter uses it), or why none. */
function tokenEndpoint(
  kind: Exclude<RenewableKind, "instagram">,
  publishConfig: unknown,
  secret: Secret,
): TokenEndpoint | string {
  const settings = <T>(schema: z.ZodType<T>): T | string => {
    const parsed = schema.safeParse(publishConfig ?? {});
    return parsed.success ? parsed.data : "the platform's publish_config cannot be used";
  };
  const credentials = secret as OAuth2Credentials;
  switch (kind) {
    case "tiktok": {
      const c = settings(TikTokConfigSchema);
      if (typeof c === "string") return c;
      return {
        client: {
          tokenUrl: `${c.base_url.replace(/\/+$/, "")}/v2/oauth/token/`,
          clientIdField: "client_key",
        },
        credentials: { ...credentials, client_id: secret.client_key as string | undefined },
        errors: oauth2TokenErrors("TikTok OAuth"),
        timeout_ms: c.timeout_ms,
      };
    }
    case "linkedin": {
      const c = settings(LinkedInConfigSchema);
      if (typeof c === "string") return c;
      return {
        client: { tokenUrl: c.token_url },
        credentials,
        errors: oauth2TokenErrors("LinkedIn OAuth"),
        timeout_ms: c.timeout_ms,
      };
    }
    case "youtube": {
      const c = settings(YouTubeConfigSchema);
      if (typeof c === "string") return c;
      return {
        client: { tokenUrl: c.token_url },
        credentials,
        errors: oauth2TokenErrors("Google OAuth"),
        timeout_ms: c.timeout_ms,
      };
    }
    case "x": {
      if ("app_key" in secret) return "OAuth 1.0a credentials do not expire";
      const c = settings(XConfigSchema);
      if (typeof c === "string") return c;
      return {
        client: {
          tokenUrl: `${c.base_url.replace(/\/+$/, "")}/2/oauth2/token`,
          clientAuth: "basic",
        },
        credentials,
        errors: X_TOKEN_ERRORS,
        timeout_ms: c.timeout_ms,
      };
    }
  }
}

export interface RenewalOptions {
  /** Tokens expiring within this many seconds are renewed. */
  withinSeconds: number;
  /** At most this many platforms per run. */
  limit: number;
  /** Stops taking platforms when the run's CPU budget is spent. */
  meter?: CpuMeter;
  /** HTTP overrides (tests: the clock, a fetch). */
  deps?: HttpDepsOverrides;
}

export interface RenewalReport {
  /** Platforms whose token was renewed (or found renewed by another worker under the lock). */
  renewed: string[];
  /** Refused: flagged needs_reconnection, with the reason. */
  refused: { platform_id: string; reason: string }[];
  /** Failed for now (network, rate limit, the database): tried again next run. */
  failed: { platform_id: string; reason: string }[];
  /** Expiring, but nothing to renew with (no refresh token or OAuth client, or settings unusable). */
  skipped: { platform_id: string; reason: string }[];
  /** Expiring tokens left for the next run (the limit or the CPU budget). */
  left: number;
}

interface Candidate {
  id: string;
  kind: RenewableKind;
  publish_config: unknown;
  secret: Secret;
  expiresAt: number;
}

/**
 * Active platforms not flagged, with a token expiring within the window from `now` (ms; Instagram's
 * at least INSTAGRAM_RENEW_WITHIN_SECONDS), soonest first.
 */
async function expiring(
  sql: postgres.Sql,
  now: number,
  withinSeconds: number,
): Promise<Candidate[]> {
  const rows = await sql<
    { id: string; kind: RenewableKind; publish_config: unknown; secret: string | null }[]
  >`
    select p.id, p.kind, p.publish_config, s.decrypted_secret as secret
    from public.platforms p
    join private.platform_secrets b on b.secret_id = p.credentials_secret_id and b.platform_id = p.id
    join vault.decrypted_secrets s on s.id = b.secret_id
    where p.is_active and not p.needs_reconnection and p.kind = any(${RENEWABLE_KINDS as unknown as string[]}::public.platform_kind[])`;
  const candidates: Candidate[] = [];
  for (const row of rows) {
    let secret: unknown;
    try {
      secret = JSON.parse(row.secret ?? "");
    } catch {
      continue; // not JSON: its posts report it (credentials.ts)
    }
    if (typeof secret !== "object" || secret === null) continue;
    const expiresAt = Date.parse(String((secret as Secret).expires_at ?? ""));
    const window = row.kind === "instagram"
      ? Math.max(withinSeconds, INSTAGRAM_RENEW_WITHIN_SECONDS)
      : withinSeconds;
    if (Number.isNaN(expiresAt) || expiresAt > now + window * 1000) continue;
    candidates.push({ ...row, secret: secret as Secret, expiresAt });
  }
  return candidates.sort((a, b) => a.expiresAt - b.expiresAt);
}

/** Flags a platform whose refresh token was refused; the flag queues platform.reconnection_needed. */
async function flag(sql: postgres.Sql, platformId: string, reason: string): Promise<void> {
  await sql`
    update public.platforms
       set needs_reconnection = true, reconnection_reason = ${reason}
     where id = ${platformId} and not needs_reconnection`;
}

/** Renews the tokens expiring within the window; see the module comment. */
export async function renewExpiringTokens(
  sql: postgres.Sql,
  options: RenewalOptions,
): Promise<RenewalReport> {
  const deps = options.deps ?? {};
  const now = deps.now?.() ?? new Date();
  const candidates = await expiring(sql, now.getTime(), options.withinSeconds);
  const report: RenewalReport = { renewed: [], refused: [], failed: [], skipped: [], left: 0 };
  let taken = 0;
  for (const c of candidates) {
    if (taken >= options.limit || (options.meter && options.meter.room() < 1)) {
      report.left = candidates.length - taken;
      break;
    }
    taken++;
    options.meter?.hold(1);
    try {
      if (credentialErrors(c.kind, c.secret).length > 0) {
        report.skipped.push({ platform_id: c.id, reason: `the ${c.kind} credentials are invalid` });
        continue;
      }
      let outcome: boolean | Failure;
      if (c.kind === "instagram") {
        const renewed = await renewInstagram(sql, c, deps);
        if (typeof renewed === "string") {
          report.skipped.push({ platform_id: c.id, reason: renewed });
          continue;
        }
        outcome = renewed;
      } else {
        const endpoint = tokenEndpoint(c.kind, c.publish_config, c.secret);
        if (typeof endpoint === "string") {
          report.skipped.push({ platform_id: c.id, reason: endpoint });
          continue;
        }
        const bearer = new OAuth2Bearer(
          endpoint.credentials,
          { ...endpoint.client, store: vaultCredentialStore(sql, c.id) },
          httpClientFor({ timeout_ms: endpoint.timeout_ms }, deps, endpoint.errors),
        );
        outcome = await bearer.renew();
      }
      if (outcome === true) report.renewed.push(c.id);
      else if (outcome === false) {
        report.skipped.push({
          platform_id: c.id,
          reason: "no refresh token and OAuth client to renew the access token with",
        });
      } else if (outcome.errorClass === "auth" || outcome.errorClass === "permanent") {
        const reason = `${outcome.message}; reconnect the account before ${
          new Date(c.expiresAt).toISOString()
        }, when its access token expires`;
        await flag(sql, c.id, reason);
        report.refused.push({ platform_id: c.id, reason });
      } else report.failed.push({ platform_id: c.id, reason: outcome.message });
    } finally {
      options.meter?.finish(1);
    }
  }
  return report;
}

const LongLivedToken = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().optional(),
});

/**
 * Exchanges an Instagram platform's long-lived user token for a new one (Facebook Login), under its
 * credential lock: true when renewed (or found renewed by another run), a Failure as the Graph API
 * answered, or a string saying why it cannot be tried (skipped).
 */
async function renewInstagram(
  sql: postgres.Sql,
  c: Candidate,
  deps: HttpDepsOverrides,
): Promise<true | Failure | string> {
  const app = oauthApp("instagram");
  if (!app?.client_secret) {
    return "no Facebook app to renew the long-lived token with (the operator sets the function " +
      "secrets OAUTH_INSTAGRAM_CLIENT_ID and OAUTH_INSTAGRAM_CLIENT_SECRET)";
  }
  const parsed = InstagramConfigSchema.safeParse(c.publish_config ?? {});
  if (!parsed.success) return "the platform's publish_config cannot be used";
  const config = parsed.data;
  const refusal = apiUrlRefusal("instagram", "publish_config.base_url", config.base_url);
  if (refusal) return refusal;
  const http = httpClientFor({ timeout_ms: config.timeout_ms }, deps, INSTAGRAM_ERRORS);
  const url = `${config.base_url.replace(/\/+$/, "")}/${config.graph_version}/oauth/access_token`;
  return await vaultCredentialStore(sql, c.id).update<true | Failure>(async (raw) => {
    const stored = (raw ?? {}) as Secret;
    const token = typeof stored.access_token === "string" ? stored.access_token : "";
    const storedExpiry = Date.parse(String(stored.expires_at ?? ""));
    // Another run (or a reconnection) stored a newer token since this run read it: nothing to do.
    if (token !== c.secret.access_token && storedExpiry > c.expiresAt) {
      return { value: true };
    }
    const res = await http.request({
      method: "GET",
      url: `${url}?${new URLSearchParams({
        grant_type: "fb_exchange_token",
        client_id: app.client_id,
        client_secret: app.client_secret!,
        fb_exchange_token: token,
      })}`,
    }, { json: LongLivedToken });
    if (!res.ok) {
      return {
        value: {
          ...res,
          outcome: "not_applied",
          message: `renewing the long-lived token failed: ${res.message}`,
        },
      };
    }
    const lifetime = Math.min(Math.max(res.data.expires_in ?? 60 * 86_400, 0), MAX_EXPIRES_IN_S);
    const expiresAt = new Date(http.now().getTime() + lifetime * 1000).toISOString();
    return {
      value: true,
      save: { ...stored, access_token: res.data.access_token, expires_at: expiresAt },
    };
  });
}

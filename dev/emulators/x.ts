/**
 * X API v2 emulator: OAuth 1.0a user context (header well-formed, known consumer key and token,
 * HMAC-SHA1 signature verified, timestamp within 5 minutes of real time, nonces not reused) or
 * OAuth 2.0 bearer tokens from POST /2/oauth2/token (refresh grant; a confidential client must
 * authenticate with HTTP Basic; access tokens expire, by real time as the OAuth 1.0a timestamps; each refresh token works once, and sending
 * one already used revokes the whole grant, as X does), the authorization-code grant from
 * GET /i/oauth2/authorize (PKCE required, codes live 30 seconds: auth.ts authorizationCodes),
 * POST/DELETE /2/tweets, GET /2/tweets/:id with public/non_public metrics from the engagement
 * model, GET /2/users/me and /2/users/:id/tweets; per-user 15-minute windows with
 * `x-rate-limit-*` headers and 429 `{"errors":[{"code":88,...}]}`; 403 for duplicate text;
 * problem+json errors; lookups that fail report 200 with an `errors` array, as X does.
 * Media upload v2 (initialize/append/finalize, STATUS); set `state.processingError` to make video
 * processing fail (`processing_info.state = "failed"` with that error, the media unusable).
 */
import { createHash, type Hash } from "node:crypto";
import {
  authorizationCodes,
  basicCredentials,
  bearerToken,
  formParams,
  oauthEncode,
  oauthError,
  parseOAuth1,
  refreshGrant,
} from "./auth.ts";
import {
  type EmulatorContext,
  type EmulatorDefinition,
  Index,
  json,
  type Route,
} from "./framework.ts";
import { limitsFor } from "../../supabase/functions/_shared/adapters/settings.ts";
import { parseTweet } from "../../supabase/functions/_shared/adapters/twitter-text.ts";

export interface XAccount {
  user_id: string;
  username: string;
  app_key: string;
  app_secret: string;
  access_token: string;
  access_secret: string;
  /** What GET /2/users/me reports in public_metrics. */
  followers_count?: number;
}

export interface XTweet {
  id: string;
  text: string;
  authorId: string;
  createdAt: Date;
  deleted: boolean;
}

interface Window {
  limit: number;
  used: number;
  resetAt: number;
}

export interface XMedia {
  id: string;
  ownerId: string;
  mediaType: string;
  totalBytes: number;
  received: number;
  finalized: boolean;
  /** Set when processing failed (videos): STATUS reports `failed` with it. */
  processingError?: XProcessingError;
}

/** What X reports in `processing_info.error` when it cannot process a video. */
export interface XProcessingError {
  code: number;
  name: string;
  message: string;
}

/** An OAuth 2.0 grant of an app (client) for a user: its current refresh token. */
export interface XOAuth2Grant {
  client_id: string;
  /** Set for a confidential client: it must authenticate with HTTP Basic. */
  client_secret?: string;
  refresh_token: string;
  user_id: string;
  /** Refresh tokens already used: presenting one again revokes the grant. */
  used: string[];
  revoked: boolean;
}

export interface XState {
  accounts: XAccount[];
  oauth2Grants: XOAuth2Grant[];
  /** Bearer tokens issued by POST /2/oauth2/token: whose, until when (ms), from which grant. */
  bearers: Map<string, { userId: string; expiresAt: number; grant: XOAuth2Grant }>;
  tokenLifetimeSeconds: number;
  tweets: Map<string, XTweet>;
  media: Map<string, XMedia>;
  windows: Map<string, Window>;
  nonces: Set<string>;
  nextId: bigint;
  /** When set, videos finalized from now on fail processing with this error. */
  processingError?: XProcessingError;
  /** While set, STATUS reports every video still `in_progress` (a long transcode). */
  processingStalled?: boolean;
}

export interface XEmulatorOptions {
  accounts?: XAccount[];
  oauth2Grants?: Omit<XOAuth2Grant, "used" | "revoked">[];
  /** Lifetime of issued access tokens (X: two hours). */
  tokenLifetimeSeconds?: number;
  /** Per user per 15 minutes (X: 100 posts, 50 deletes). */
  postsPerWindow?: number;
  deletesPerWindow?: number;
  /** Name of the repost counter in public_metrics (older docs retweet_count, newer repost_count). */
  repostField?: "retweet_count" | "repost_count";
}

export const DEFAULT_X_ACCOUNT: XAccount = {
  user_id: "1500000000000000001",
  username: "emulated_brand",
  app_key: "emu-app-key",
  app_secret: "emu-app-secret",
  access_token: "1500000000000000001-emutoken",
  access_secret: "emu-access-secret",
  followers_count: 4200,
};

export const DEFAULT_X_OAUTH2_GRANT = {
  client_id: "emu-x-client-id",
  client_secret: "emu-x-client-secret",
  refresh_token: "emu-x-refresh-token",
  user_id: DEFAULT_X_ACCOUNT.user_id,
};

/** Expire every bearer token the token endpoint has issued (as two hours passing would). */
export function expireXTokens(state: XState): void {
  for (const bearer of state.bearers.values()) bearer.expiresAt = 0;
}

const WINDOW_MS = 15 * 60_000;
const MB = 1024 * 1024;
/** Media v2 limits: image <= 5 MB, GIF <= 15 MB, video <= 512 MB. */
const MEDIA_LIMITS: Record<string, number> = {
  "image/jpeg": 5 * MB,
  "image/png": 5 * MB,
  "image/webp": 5 * MB,
  "image/gif": 15 * MB,
  "video/mp4": 512 * MB,
  "video/quicktime": 512 * MB,
};
const invalidRequest = (detail: string) =>
  problem(400, "Invalid Request", detail, "https://api.twitter.com/2/problems/invalid-request");
const NON_PUBLIC_DAYS = 30;
const MAX_LENGTH = limitsFor("x").maxWeightedLength;
/** What a URL counts, whatever its length (t.co). */
const URL_WEIGHT = 23;

/**
 * Over X's weighted length. twitter-text's URL scan costs more than the rest of a post, so text
 * it cannot put over the limit skips it: ASCII is unchanged by NFC, holds no emoji and weighs 1 a
 * character, and every URL has a "." and counts 23, so length + 23 per "." bounds the count.
 */
export function overWeightedLength(text: string): boolean {
  // deno-lint-ignore no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(text);
  if (ascii && text.length + URL_WEIGHT * dots(text) <= MAX_LENGTH) return false;
  return parseTweet(text).weightedLength > MAX_LENGTH;
}

function dots(text: string): number {
  let n = 0;
  for (let i = text.indexOf("."); i >= 0; i = text.indexOf(".", i + 1)) n++;
  return n;
}

function problem(status: number, title: string, detail: string, type = "about:blank"): Response {
  return new Response(JSON.stringify({ title, detail, type, status }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

const unauthorized = () => problem(401, "Unauthorized", "Unauthorized");

function rateHeaders(w: Window): Record<string, string> {
  return {
    "x-rate-limit-limit": String(w.limit),
    "x-rate-limit-remaining": String(Math.max(0, w.limit - w.used)),
    "x-rate-limit-reset": String(Math.ceil(w.resetAt / 1000)),
  };
}

function rateLimited(headers: Record<string, string>): Response {
  return json({ errors: [{ code: 88, message: "Rate limit exceeded" }] }, 429, headers);
}

/** RFC 5849 signature base string over method, base URL, oauth and query/form parameters. */
function signatureBase(method: string, url: URL, params: [string, string][]): string {
  const normalized = params.map(([k, v]) => [oauthEncode(k), oauthEncode(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`).join("&");
  const base = `${url.origin}${url.pathname}`;
  return [method.toUpperCase(), oauthEncode(base), oauthEncode(normalized)].join("&");
}

/**
 * HMAC-SHA1 (base64) under one key. The key's inner and outer pads are hashed once and each
 * signature continues copies of them: half the cost of createHmac, which hashes them every time.
 */
function hmacSha1(key: string): (text: string) => string {
  const BLOCK = 64;
  let bytes: Uint8Array = new TextEncoder().encode(key);
  if (bytes.length > BLOCK) bytes = createHash("sha1").update(bytes).digest();
  const padded = new Uint8Array(BLOCK);
  padded.set(bytes);
  const pad = (byte: number): Hash => createHash("sha1").update(padded.map((b) => b ^ byte));
  const inner = pad(0x36);
  const outer = pad(0x5c);
  return (text) => outer.copy().update(inner.copy().update(text).digest()).digest("base64");
}

export function xEmulator(options: XEmulatorOptions = {}): EmulatorDefinition<XState> {
  const state: XState = {
    accounts: options.accounts ?? [DEFAULT_X_ACCOUNT],
    oauth2Grants: (options.oauth2Grants ?? [DEFAULT_X_OAUTH2_GRANT])
      .map((g) => ({ ...g, used: [], revoked: false })),
    bearers: new Map(),
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 7200,
    tweets: new Map(),
    media: new Map(),
    windows: new Map(),
    nonces: new Set(),
    nextId: 1860000000000000000n,
  };
  const repostField = options.repostField ?? "retweet_count";
  /** Tweets by text, for the duplicate check. */
  const byText = new Index<XTweet>();
  /** A signer per signing key (consumer secret & token secret). */
  const signers = new Map<string, (text: string) => string>();
  const sign = (account: XAccount, text: string) => {
    const key = `${oauthEncode(account.app_secret)}&${oauthEncode(account.access_secret)}`;
    let signer = signers.get(key);
    if (!signer) signers.set(key, signer = hmacSha1(key));
    return signer(text);
  };

  const authenticate = (req: Parameters<Route["handle"]>[0]): XAccount | Response => {
    const bearer = bearerToken(req.headers);
    if (bearer !== undefined) {
      const issued = state.bearers.get(bearer);
      if (!issued || issued.grant.revoked || issued.expiresAt <= Date.now()) return unauthorized();
      return state.accounts.find((a) => a.user_id === issued.userId) ?? unauthorized();
    }
    const parsed = parseOAuth1(req.headers);
    if ("error" in parsed) return unauthorized();
    const p = parsed.params;
    const account = state.accounts.find((a) =>
      a.app_key === p.oauth_consumer_key && a.access_token === p.oauth_token
    );
    if (!account) return unauthorized();
    if (Math.abs(Date.now() / 1000 - Number(p.oauth_timestamp)) > 300) return unauthorized();
    const nonceKey = `${p.oauth_token}|${p.oauth_nonce}|${p.oauth_timestamp}`;
    if (state.nonces.has(nonceKey)) return unauthorized();
    const signed = Object.entries(p).filter(([k]) => k !== "oauth_signature");
    if (req.url.search) req.query.forEach((v, k) => signed.push([k, v]));
    if (req.headers.get("content-type")?.includes("x-www-form-urlencoded")) {
      signed.push(...Object.entries(req.body as Record<string, string>));
    }
    if (sign(account, signatureBase(req.method, req.url, signed)) !== p.oauth_signature) {
      return unauthorized();
    }
    state.nonces.add(nonceKey);
    return account;
  };

  /** Count one call in the user's window; a Response when over the limit. */
  const consume = (key: string, limit: number, now: Date): Response | Record<string, string> => {
    let w = state.windows.get(key);
    if (!w || w.resetAt <= now.getTime()) {
      w = { limit, used: 0, resetAt: now.getTime() + WINDOW_MS };
      state.windows.set(key, w);
    }
    if (w.used >= w.limit) return rateLimited(rateHeaders(w));
    w.used += 1;
    return rateHeaders(w);
  };

  const publicMetrics = (t: XTweet, ctx: EmulatorContext) => {
    const m = ctx.engagement.metrics("x", t.id, t.createdAt, ctx.now());
    return {
      [repostField]: m.shares,
      reply_count: m.comments,
      like_count: m.likes,
      quote_count: m.quotes,
      bookmark_count: m.saves,
      impression_count: m.impressions,
    };
  };

  const nonPublicMetrics = (t: XTweet, ctx: EmulatorContext) => {
    const m = ctx.engagement.metrics("x", t.id, t.createdAt, ctx.now());
    return {
      impression_count: m.impressions,
      url_link_clicks: m.clicks,
      user_profile_clicks: m.profile_clicks,
      engagements: m.likes + m.shares + m.comments + m.quotes + m.clicks + m.profile_clicks,
    };
  };

  /** Refresh grant: a new access token and a new refresh token; the one sent is used up. */
  const refresh: Route["handle"] = (req) => {
    const param = refreshGrant(req.body);
    if (param instanceof Response) return param;
    const basic = basicCredentials(req.headers);
    const clientId = basic?.user ?? param("client_id");
    const grants = state.oauth2Grants.filter((g) => g.client_id === clientId);
    const confidential = grants.find((g) => g.client_secret !== undefined);
    if (grants.length === 0 || (confidential && basic?.password !== confidential.client_secret)) {
      return oauthError(401, "unauthorized_client", "Missing valid authorization header");
    }
    const token = param("refresh_token");
    const reused = grants.find((g) => token !== undefined && g.used.includes(token));
    if (reused) reused.revoked = true; // a used refresh token again: the whole grant is revoked
    const grant = grants.find((g) => g.refresh_token === token && !g.revoked);
    if (!grant) {
      return oauthError(400, "invalid_request", "Value passed for the token was invalid.");
    }
    grant.used.push(grant.refresh_token);
    grant.refresh_token = `emu-x-refresh-${crypto.randomUUID().replace(/-/g, "")}`;
    return issueBearer(grant, "tweet.read tweet.write users.read media.write offline.access", true);
  };

  /** A new access token of `grant`'s user, answered as X's token endpoint does. */
  const issueBearer = (grant: XOAuth2Grant, scope: string, withRefresh: boolean) => {
    const accessToken = `emu-x-access-${crypto.randomUUID().replace(/-/g, "")}`;
    state.bearers.set(accessToken, {
      userId: grant.user_id,
      expiresAt: Date.now() + state.tokenLifetimeSeconds * 1000,
      grant,
    });
    return json({
      token_type: "bearer",
      expires_in: state.tokenLifetimeSeconds,
      access_token: accessToken,
      scope,
      ...(withRefresh ? { refresh_token: grant.refresh_token } : {}),
    });
  };

  /** X's authorize page (x.com/i/oauth2/authorize): PKCE required, codes live 30 seconds. */
  const authorization = authorizationCodes({
    clientIds: () => [...new Set(state.oauth2Grants.map((g) => g.client_id))],
    subject: () => state.accounts[0].user_id,
    lifetimeSeconds: 30,
    pkceRequired: true,
  });

  /** Authorization-code grant: a new grant (refresh token) and an access token for the consenting user. */
  const exchange: Route["handle"] = async (req, ctx) => {
    const param = formParams(req.body);
    const basic = basicCredentials(req.headers);
    const clientId = basic?.user ?? param("client_id");
    const known = state.oauth2Grants.filter((g) => g.client_id === clientId);
    const secret = known.find((g) => g.client_secret !== undefined)?.client_secret;
    if (known.length === 0 || (secret !== undefined && basic?.password !== secret)) {
      return oauthError(401, "unauthorized_client", "Missing valid authorization header");
    }
    const code = await authorization.redeem(param, clientId, ctx.now());
    if (code instanceof Response) return code;
    const grant: XOAuth2Grant = {
      client_id: code.client_id,
      client_secret: secret,
      refresh_token: `emu-x-refresh-${crypto.randomUUID().replace(/-/g, "")}`,
      user_id: code.subject,
      used: [],
      revoked: false,
    };
    state.oauth2Grants.push(grant);
    return issueBearer(grant, code.scope, code.scope.split(" ").includes("offline.access"));
  };

  const routes: Route[] = [
    {
      method: "GET",
      path: "/i/oauth2/authorize",
      handle: (req, ctx) => authorization.authorize(req.query, ctx.now()),
    },
    {
      method: "POST",
      path: "/2/oauth2/token",
      handle: (req, ctx) =>
        formParams(req.body)("grant_type") === "authorization_code"
          ? exchange(req, ctx)
          : refresh(req, ctx),
    },
    {
      method: "POST",
      path: "/2/media/upload/initialize",
      handle(req) {
        const account = authenticate(req);
        if (account instanceof Response) return account;
        const body = (req.body ?? {}) as { media_type?: unknown; total_bytes?: unknown };
        const type = String(body.media_type ?? "");
        const total = Number(body.total_bytes);
        if (!(type in MEDIA_LIMITS)) return invalidRequest(`Unsupported media_type ${type}.`);
        if (!Number.isInteger(total) || total <= 0 || total > MEDIA_LIMITS[type]) {
          return invalidRequest(`total_bytes ${body.total_bytes} is not allowed for ${type}.`);
        }
        const id = String(state.nextId++);
        state.media.set(id, {
          id,
          ownerId: account.user_id,
          mediaType: type,
          totalBytes: total,
          received: 0,
          finalized: false,
        });
        return json({ data: { id, media_key: `3_${id}`, expires_after_secs: 86400 } });
      },
    },
    {
      method: "POST",
      path: "/2/media/upload/:id/append",
      async handle(req, ctx) {
        const account = authenticate(req);
        if (account instanceof Response) return account;
        const media = state.media.get(req.params.id);
        if (!media || media.ownerId !== account.user_id || media.finalized) {
          return invalidRequest("Invalid media_id.");
        }
        const form = await new Response(req.bytes, {
          headers: { "content-type": req.headers.get("content-type") ?? "" },
        }).formData().catch(() => undefined);
        const chunk = form?.get("media");
        if (!form || !chunk || form.get("segment_index") === null) {
          return invalidRequest("media and segment_index are required (multipart/form-data).");
        }
        media.received += typeof chunk === "string" ? chunk.length : chunk.size;
        const expires = new Date(ctx.now().getTime() + 86_400_000).toISOString();
        return json({ data: { expires_at: expires } });
      },
    },
    {
      method: "POST",
      path: "/2/media/upload/:id/finalize",
      handle(req) {
        const account = authenticate(req);
        if (account instanceof Response) return account;
        const media = state.media.get(req.params.id);
        if (!media || media.ownerId !== account.user_id) return invalidRequest("Invalid media_id.");
        if (media.received !== media.totalBytes) {
          return invalidRequest(
            `File size mismatch: received ${media.received} of ${media.totalBytes} bytes.`,
          );
        }
        media.finalized = true;
        const video = media.mediaType.startsWith("video/");
        if (video) media.processingError = state.processingError;
        return json({
          data: {
            id: media.id,
            media_key: `3_${media.id}`,
            size: media.totalBytes,
            expires_after_secs: 86400,
            ...(video ? { processing_info: { state: "pending", check_after_secs: 1 } } : {}),
          },
        });
      },
    },
    {
      method: "GET",
      path: "/2/media/upload",
      handle(req) {
        const account = authenticate(req);
        if (account instanceof Response) return account;
        const media = state.media.get(req.query.get("media_id") ?? "");
        if (req.query.get("command") !== "STATUS" || !media) {
          return invalidRequest("Invalid media_id.");
        }
        const failed = media.processingError;
        const video = media.mediaType.startsWith("video/");
        return json({
          data: {
            id: media.id,
            media_key: `3_${media.id}`,
            processing_info: failed
              ? { state: "failed", progress_percent: 100, error: failed }
              : video && state.processingStalled
              ? { state: "in_progress", progress_percent: 40, check_after_secs: 5 }
              : { state: "succeeded", progress_percent: 100 },
          },
        });
      },
    },
    {
      method: "POST",
      path: "/2/tweets",
      handle(req, ctx) {
        const account = authenticate(req);
        if (account instanceof Response) return account;
        const now = ctx.now();
        const limit = consume(`post|${account.user_id}`, options.postsPerWindow ?? 100, now);
        if (limit instanceof Response) return limit;
        const body = req.body as { text?: unknown; media?: unknown } | undefined;
        if (!body || typeof body !== "object") {
          return problem(
            400,
            "Invalid Request",
            "One or more parameters to your request was invalid.",
            "https://api.twitter.com/2/problems/invalid-request",
          );
        }
        const text = typeof body.text === "string" ? body.text : "";
        if (!text && !body.media) {
          return problem(
            400,
            "Invalid Request",
            "One or more parameters to your request was invalid.",
            "https://api.twitter.com/2/problems/invalid-request",
          );
        }
        if (overWeightedLength(text)) {
          return problem(
            400,
            "Invalid Request",
            "The Tweet text is too long.",
            "https://api.twitter.com/2/problems/invalid-request",
          );
        }
        const mediaIds = (body.media as { media_ids?: unknown } | undefined)?.media_ids;
        if (mediaIds !== undefined) {
          const ok = Array.isArray(mediaIds) && mediaIds.length >= 1 && mediaIds.length <= 4 &&
            mediaIds.every((id) => {
              const m = state.media.get(String(id));
              return m?.finalized && !m.processingError && m.ownerId === account.user_id;
            });
          if (!ok) return invalidRequest("Your media IDs are invalid.");
        }
        const duplicate = byText.get(text).some((t) =>
          !t.deleted && t.authorId === account.user_id && t.text === text &&
          state.tweets.get(t.id) === t
        );
        if (duplicate) {
          return new Response(
            JSON.stringify({
              detail: "You are not allowed to create a Tweet with duplicate content.",
              type: "about:blank",
              title: "Forbidden",
              status: 403,
            }),
            { status: 403, headers: { "content-type": "application/problem+json", ...limit } },
          );
        }
        const id = String(state.nextId++);
        const tweet = { id, text, authorId: account.user_id, createdAt: now, deleted: false };
        state.tweets.set(id, tweet);
        byText.add(text, tweet);
        return json({ data: { id, text, edit_history_tweet_ids: [id] } }, 201, limit);
      },
    },
    {
      method: "DELETE",
      path: "/2/tweets/:id",
      handle(req, ctx) {
        const account = authenticate(req);
        if (account instanceof Response) return account;
        const limit = consume(
          `delete|${account.user_id}`,
          options.deletesPerWindow ?? 50,
          ctx.now(),
        );
        if (limit instanceof Response) return limit;
        const tweet = state.tweets.get(req.params.id);
        if (!tweet || tweet.deleted) {
          return problem(
            404,
            "Not Found Error",
            `Could not find tweet with id: [${req.params.id}].`,
            "https://api.twitter.com/2/problems/resource-not-found",
          );
        }
        if (tweet.authorId !== account.user_id) {
          return problem(
            403,
            "Forbidden",
            "You are not allowed to delete a Tweet that does not belong to you.",
          );
        }
        tweet.deleted = true;
        byText.remove(tweet.text, tweet);
        return json({ data: { deleted: true } }, 200, limit);
      },
    },
    {
      method: "GET",
      path: "/2/tweets/:id",
      handle(req, ctx) {
        const account = authenticate(req);
        if (account instanceof Response) return account;
        const tweet = state.tweets.get(req.params.id);
        if (!tweet || tweet.deleted) {
          return json({
            errors: [{
              value: req.params.id,
              detail: `Could not find tweet with id: [${req.params.id}].`,
              title: "Not Found Error",
              resource_type: "tweet",
              type: "https://api.twitter.com/2/problems/resource-not-found",
            }],
          });
        }
        const fields = (req.query.get("tweet.fields") ?? "").split(",");
        const ageDays = (ctx.now().getTime() - tweet.createdAt.getTime()) / 86_400_000;
        if (
          fields.includes("non_public_metrics") &&
          (tweet.authorId !== account.user_id || ageDays > NON_PUBLIC_DAYS)
        ) {
          return json({
            errors: [{
              title: "Field Authorization Error",
              detail:
                `Sorry, you are not authorized to access 'non_public_metrics' on the Tweet with ids: ${tweet.id}.`,
              type: "https://api.twitter.com/2/problems/not-authorized-for-field",
            }],
          });
        }
        return json({
          data: {
            id: tweet.id,
            text: tweet.text,
            edit_history_tweet_ids: [tweet.id],
            ...(fields.includes("created_at") ? { created_at: tweet.createdAt.toISOString() } : {}),
            ...(fields.includes("public_metrics")
              ? { public_metrics: publicMetrics(tweet, ctx) }
              : {}),
            ...(fields.includes("non_public_metrics")
              ? { non_public_metrics: nonPublicMetrics(tweet, ctx) }
              : {}),
          },
        });
      },
    },
    {
      method: "GET",
      path: "/2/users/me",
      handle(req) {
        const account = authenticate(req);
        if (account instanceof Response) return account;
        const fields = (req.query.get("user.fields") ?? "").split(",");
        return json({
          data: {
            id: account.user_id,
            name: account.username,
            username: account.username,
            ...(fields.includes("public_metrics")
              ? { public_metrics: { followers_count: account.followers_count ?? 0 } }
              : {}),
          },
        });
      },
    },
    {
      method: "GET",
      path: "/2/users/:id/tweets",
      handle(req) {
        const account = authenticate(req);
        if (account instanceof Response) return account;
        const max = Number(req.query.get("max_results") ?? 10);
        if (!Number.isInteger(max) || max < 5 || max > 100) {
          return problem(
            400,
            "Invalid Request",
            "The `max_results` query parameter value [" + max + "] is not between 5 and 100",
            "https://api.twitter.com/2/problems/invalid-request",
          );
        }
        const start = Date.parse(req.query.get("start_time") ?? "") || 0;
        // pagination_token: an opaque token from meta.next_token (here, the offset it continues at)
        const token = req.query.get("pagination_token");
        const offset = token === null ? 0 : Number.parseInt(token.replace(/^p/, ""), 36);
        if (token !== null && (!/^p[0-9a-z]+$/.test(token) || !Number.isSafeInteger(offset))) {
          return problem(
            400,
            "Invalid Request",
            "The `pagination_token` query parameter value [" + token + "] is not valid",
            "https://api.twitter.com/2/problems/invalid-request",
          );
        }
        const matching = [...state.tweets.values()]
          .filter((t) =>
            !t.deleted && t.authorId === req.params.id && t.createdAt.getTime() >= start
          )
          .sort((a, b) => (a.id < b.id ? 1 : -1));
        const tweets = matching.slice(offset, offset + max);
        if (tweets.length === 0) return json({ meta: { result_count: 0 } });
        const more = offset + max < matching.length;
        return json({
          data: tweets.map((t) => ({ id: t.id, text: t.text, edit_history_tweet_ids: [t.id] })),
          meta: {
            result_count: tweets.length,
            newest_id: tweets[0].id,
            oldest_id: tweets.at(-1)?.id,
            ...(more ? { next_token: "p" + (offset + max).toString(36) } : {}),
          },
        });
      },
    },
  ];

  return {
    name: "x",
    state,
    routes,
    persist: {
      keys: ["oauth2Grants", "bearers", "tweets", "media", "windows", "nonces", "nextId"],
      restored() {
        for (const tweet of state.tweets.values()) {
          if (!tweet.deleted) byText.add(tweet.text, tweet);
        }
      },
    },
    faults: {
      rateLimited: (resetAt) =>
        rateLimited({
          "x-rate-limit-limit": String(options.postsPerWindow ?? 100),
          "x-rate-limit-remaining": "0",
          "x-rate-limit-reset": String(Math.ceil(resetAt.getTime() / 1000)),
        }),
      revokedToken: unauthorized,
      serverError: (status) => problem(status, "Service Unavailable", "Service Unavailable"),
    },
  };
}

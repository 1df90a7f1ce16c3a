/**
 * Connecting a platform account with OAuth 2.0 (authorization code, RFC 6749 section 4.1, with PKCE,
 * RFC 7636): per provider, where its consent page and token endpoint are, which scopes the adapters
 * need, how the client authenticates, and how the connected account's id, name and follower count
 * are read. The operator's OAuth app per kind comes from the function secrets
 * `OAUTH_<KIND>_CLIENT_ID` and `OAUTH_<KIND>_CLIENT_SECRET` (the local stacks set the emulators'
 * apps in dev/lib.sh).
 *
 * Where requests go: the consent page is `publish_config.authorize_url` or the provider's (only the
 * provider's host, or a host on the operator's EGRESS_ALLOWED_HOSTS); the token endpoint and the API
 * are the ones the kind's adapter uses (`publish_config.token_url` / `base_url`, checked by
 * api-hosts.ts), sent through the transport, so egress rules apply.
 */
import { z } from "zod";
import type { PlatformKind, PlatformRow } from "../adapters/types.ts";
import type { ErrorProfile } from "../net/classify.ts";
import { type HttpClient, httpClientFor } from "../net/api-client.ts";
import type { HttpDepsOverrides, HttpOk } from "../net/api-client.ts";
import type { Failure } from "../adapters/types.ts";
import { isAllowListed, operatorAllowList } from "../net/egress.ts";
import { HTTP_SETTINGS } from "../adapters/settings.ts";
import { apiUrlRefusal, assertApiHosts } from "./api-hosts.ts";
import { oauth2TokenErrors } from "./oauth2.ts";

/** The account a connection reached, as the platforms row keeps it. */
export interface ConnectedAccount {
  account_id: string;
  account_name: string;
  followers_count: number | null;
}

/** An account as a provider reads it: with publish_config settings it decides (Mailchimp's API root). */
type ReadAccount = ConnectedAccount & { settings?: Record<string, unknown> };

/** The token endpoint's answer to an authorization-code grant. */
export interface GrantedTokens {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
}

interface Provider {
  /** What the messages call it. */
  label: string;
  authorizeUrl: string;
  tokenUrl(config: Record<string, unknown>): string;
  scopes(config: Record<string, unknown>): string[];
  /** PKCE (RFC 7636) is sent; LinkedIn's and TikTok's web flows take none. */
  pkce: boolean;
  /** The parameter naming the client (TikTok: client_key) and what joins scopes (TikTok: a comma). */
  clientIdField?: string;
  scopeSeparator?: string;
  /** Extra consent-page parameters (Google: offline access, so a refresh token comes back). */
  authorizeParams?: Record<string, string>;
  /**
   * Redeems the code where the provider does not follow RFC 6749's token request (Meta: a GET, then
   * an exchange for a long-lived token). Absent: the standard form POST to tokenUrl.
   */
  exchange?(
    http: HttpClient,
    config: Record<string, unknown>,
    app: OAuthApp,
    code: string,
  ): Promise<HttpOk<GrantedTokens> | Failure>;
  /** RFC 6749 section 2.3.1: Basic (X) or client_secret in the form (Google). */
  clientAuth: "basic" | "form";
  /** Reads the account the token belongs to. */
  account(http: HttpClient, config: Record<string, unknown>, token: string): Promise<
    ReadAccount | { failure: string }
  >;
  /** publish_config settings the account decides, when the row has none (LinkedIn's author). */
  publishConfig?(
    account: ConnectedAccount,
    config: Record<string, unknown>,
  ): Record<string, unknown>;
  /** The Vault secret for the kind's credential schema (credentials.ts). */
  credentials(
    tokens: GrantedTokens,
    app: OAuthApp,
    account: ConnectedAccount,
    expiresAt: string | undefined,
  ): Record<string, unknown>;
}

export interface OAuthApp {
  client_id: string;
  client_secret?: string;
}

const base = (config: Record<string, unknown>, fallback: string) =>
  (typeof config.base_url === "string" ? config.base_url : fallback).replace(/\/+$/, "");

const apiErrors = (platform: string): ErrorProfile => ({
  platform,
  messagePaths: ["detail", "error.message", "title", "error_description"],
  codePaths: ["type", "error.errors.0.reason", "error"],
  rules: [],
  rateLimitReset: { kind: "after", seconds: HTTP_SETTINGS.fallbackRateLimitSeconds },
});

const XMe = z.object({
  data: z.object({
    id: z.string(),
    username: z.string(),
    public_metrics: z.object({ followers_count: z.number() }).partial().optional(),
  }),
});

const YouTubeChannels = z.object({
  items: z.array(z.object({
    id: z.string(),
    snippet: z.object({ title: z.string() }).partial().optional(),
    statistics: z.object({ subscriberCount: z.string() }).partial().optional(),
  })).optional(),
});

const LinkedInUserInfo = z.object({ sub: z.string(), name: z.string().optional() });

const TikTokUserInfo = z.object({
  data: z.object({
    user: z.object({
      open_id: z.string(),
      display_name: z.string().optional(),
      follower_count: z.number().optional(),
    }),
  }),
});

const MailchimpMetadata = z.object({
  accountname: z.string(),
  user_id: z.union([z.number(), z.string()]),
  api_endpoint: z.string().url(),
});

const MailchimpList = z.object({ stats: z.object({ member_count: z.number() }) });

function mailchimpTokenUrl(config: Record<string, unknown>): string {
  return typeof config.token_url === "string"
    ? config.token_url
    : "https://login.mailchimp.com/oauth2/token";
}

const FacebookPages = z.object({
  data: z.array(z.object({
    id: z.string(),
    instagram_business_account: z.object({ id: z.string() }).optional(),
  })),
});

const InstagramUser = z.object({
  username: z.string().optional(),
  followers_count: z.number().optional(),
});

/** `<base_url>/<graph_version>`, as the Instagram adapter builds it. */
function graphRoot(config: Record<string, unknown>): string {
  const version = typeof config.graph_version === "string" ? config.graph_version : "v23.0";
  return `${base(config, "https://graph.facebook.com")}/${version}`;
}

const oauthToken = (tokens: GrantedTokens, expiresAt: string | undefined) => ({
  access_token: tokens.access_token,
  ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}),
  ...(expiresAt ? { expires_at: expiresAt } : {}),
});

export const PROVIDERS: Partial<Record<PlatformKind, Provider>> = {
  x: {
    label: "X",
    authorizeUrl: "https://x.com/i/oauth2/authorize",
    tokenUrl: (config) => `${base(config, "https://api.x.com")}/2/oauth2/token`,
    scopes: () => ["tweet.read", "tweet.write", "users.read", "media.write", "offline.access"],
    pkce: true,
    clientAuth: "basic",
    async account(http, config, token) {
      const res = await http.request({
        method: "GET",
        url: `${base(config, "https://api.x.com")}/2/users/me?user.fields=public_metrics`,
        headers: { authorization: `Bearer ${token}` },
      }, { json: XMe });
      if (!res.ok) return { failure: res.message };
      const user = res.data.data;
      return {
        account_id: user.id,
        account_name: user.username,
        followers_count: user.public_metrics?.followers_count ?? null,
      };
    },
    credentials: (tokens, app, account, expiresAt) => ({
      ...oauthToken(tokens, expiresAt),
      client_id: app.client_id,
      ...(app.client_secret ? { client_secret: app.client_secret } : {}),
      user_id: account.account_id,
    }),
  },
  youtube: {
    label: "Google",
    authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
    tokenUrl: (config) =>
      typeof config.token_url === "string"
        ? config.token_url
        : "https://oauth2.googleapis.com/token",
    scopes: () => [
      "https://www.googleapis.com/auth/youtube.upload",
      "https://www.googleapis.com/auth/youtube",
    ],
    pkce: true,
    authorizeParams: { access_type: "offline", prompt: "consent", include_granted_scopes: "true" },
    clientAuth: "form",
    async account(http, config, token) {
      const res = await http.request({
        method: "GET",
        url: `${
          base(config, "https://www.googleapis.com")
        }/youtube/v3/channels?part=snippet,statistics&mine=true`,
        headers: { authorization: `Bearer ${token}` },
      }, { json: YouTubeChannels });
      if (!res.ok) return { failure: res.message };
      const channel = res.data.items?.[0];
      if (!channel) return { failure: "the Google account has no YouTube channel" };
      const subscribers = Number(channel.statistics?.subscriberCount);
      return {
        account_id: channel.id,
        account_name: channel.snippet?.title ?? channel.id,
        followers_count: Number.isSafeInteger(subscribers) ? subscribers : null,
      };
    },
    credentials: (tokens, app, _account, expiresAt) => ({
      ...oauthToken(tokens, expiresAt),
      client_id: app.client_id,
      client_secret: app.client_secret,
    }),
  },
  linkedin: {
    label: "LinkedIn",
    authorizeUrl: "https://www.linkedin.com/oauth/v2/authorization",
    tokenUrl: (config) =>
      typeof config.token_url === "string"
        ? config.token_url
        : "https://www.linkedin.com/oauth/v2/accessToken",
    // posting as an organization needs the Community Management scopes as well
    scopes: (config) =>
      String(config.author_urn ?? "").startsWith("urn:li:organization:")
        ? ["openid", "profile", "w_member_social", "w_organization_social", "r_organization_social"]
        : ["openid", "profile", "w_member_social"],
    pkce: false,
    clientAuth: "form",
    async account(http, config, token) {
      const res = await http.request({
        method: "GET",
        url: `${base(config, "https://api.linkedin.com")}/v2/userinfo`,
        headers: { authorization: `Bearer ${token}` },
      }, { json: LinkedInUserInfo });
      if (!res.ok) return { failure: res.message };
      // a member's follower count is not in the member API: left unknown
      return {
        account_id: `urn:li:person:${res.data.sub}`,
        account_name: res.data.name ?? res.data.sub,
        followers_count: null,
      };
    },
    publishConfig: (account, config) =>
      config.author_urn === undefined ? { author_urn: account.account_id } : {},
    credentials: (tokens, app, _account, expiresAt) => ({
      ...oauthToken(tokens, expiresAt),
      client_id: app.client_id,
      client_secret: app.client_secret,
    }),
  },
  tiktok: {
    label: "TikTok",
    authorizeUrl: "https://www.tiktok.com/v2/auth/authorize/",
    tokenUrl: (config) => `${base(config, "https://open.tiktokapis.com")}/v2/oauth/token/`,
    // user.info.stats: the follower count
    scopes: () => ["user.info.basic", "user.info.stats", "video.publish", "video.list"],
    pkce: false,
    clientIdField: "client_key",
    scopeSeparator: ",",
    clientAuth: "form",
    async account(http, config, token) {
      const res = await http.request({
        method: "GET",
        url: `${
          base(config, "https://open.tiktokapis.com")
        }/v2/user/info/?fields=open_id,display_name,follower_count`,
        headers: { authorization: `Bearer ${token}` },
      }, { json: TikTokUserInfo });
      if (!res.ok) return { failure: res.message };
      const user = res.data.data.user;
      return {
        account_id: user.open_id,
        account_name: user.display_name ?? user.open_id,
        followers_count: user.follower_count ?? null,
      };
    },
    credentials: (tokens, app, _account, expiresAt) => ({
      ...oauthToken(tokens, expiresAt),
      client_key: app.client_id,
      client_secret: app.client_secret,
    }),
  },
  email: {
    label: "Mailchimp",
    authorizeUrl: "https://login.mailchimp.com/oauth2/authorize",
    tokenUrl: mailchimpTokenUrl,
    // Mailchimp's OAuth has no scopes: the token acts as the account
    scopes: () => [],
    pkce: false,
    clientAuth: "form",
    async account(http, config, token) {
      const meta = await http.request({
        method: "GET",
        url: new URL("/oauth2/metadata", mailchimpTokenUrl(config)).toString(),
        headers: { authorization: `OAuth ${token}` },
      }, { json: MailchimpMetadata });
      if (!meta.ok) return { failure: meta.message };
      const apiRoot = `${meta.data.api_endpoint.replace(/\/+$/, "")}/3.0`;
      const refusal = apiUrlRefusal("email", "the account's api_endpoint", apiRoot);
      if (refusal) return { failure: refusal };
      let followers: number | null = null;
      if (typeof config.list_id === "string") {
        const list = await http.request({
          method: "GET",
          url: `${base(config, apiRoot)}/lists/${encodeURIComponent(config.list_id)}`,
          headers: { authorization: `Bearer ${token}` },
        }, { json: MailchimpList });
        if (!list.ok) return { failure: `the audience ${config.list_id}: ${list.message}` };
        followers = list.data.stats.member_count;
      }
      return {
        account_id: String(meta.data.user_id),
        account_name: meta.data.accountname,
        followers_count: followers,
        // the data centre's API root: an OAuth token, unlike an API key, does not name it
        settings: { base_url: apiRoot },
      };
    },
    credentials: (tokens) => ({ access_token: tokens.access_token }),
  },
  instagram: {
    label: "Facebook",
    authorizeUrl: "https://www.facebook.com/v23.0/dialog/oauth",
    tokenUrl: (config) => `${graphRoot(config)}/oauth/access_token`,
    scopes: () => [
      "instagram_basic",
      "instagram_content_publish",
      "instagram_manage_insights",
      "pages_show_list",
      "pages_read_engagement",
    ],
    pkce: false,
    scopeSeparator: ",",
    clientAuth: "form",
    // The code gives a user token of an hour; it is exchanged at once for one of 60 days.
    async exchange(http, config, app, code) {
      const url = `${graphRoot(config)}/oauth/access_token`;
      const short = await http.request({
        method: "GET",
        url: `${url}?${new URLSearchParams({
          client_id: app.client_id,
          client_secret: app.client_secret ?? "",
          redirect_uri: callbackUrl(),
          code,
        })}`,
      }, { json: GrantSchema });
      if (!short.ok) return short;
      return await http.request({
        method: "GET",
        url: `${url}?${new URLSearchParams({
          grant_type: "fb_exchange_token",
          client_id: app.client_id,
          client_secret: app.client_secret ?? "",
          fb_exchange_token: short.data.access_token,
        })}`,
      }, { json: GrantSchema });
    },
    async account(http, config, token) {
      const headers = { authorization: `Bearer ${token}` };
      const pages = await http.request({
        method: "GET",
        url: `${graphRoot(config)}/me/accounts?fields=id,name,instagram_business_account`,
        headers,
      }, { json: FacebookPages });
      if (!pages.ok) return { failure: pages.message };
      const linked = pages.data.data.map((p) => p.instagram_business_account?.id)
        .filter((id): id is string => id !== undefined);
      const igUserId = typeof config.ig_user_id === "string" ? config.ig_user_id : linked[0];
      if (!igUserId || !linked.includes(igUserId)) {
        return {
          failure: igUserId
            ? `no Facebook Page of this account is linked to the Instagram account ${igUserId}`
            : "no Facebook Page of this account has an Instagram professional account linked",
        };
      }
      const user = await http.request({
        method: "GET",
        url: `${graphRoot(config)}/${encodeURIComponent(igUserId)}?fields=username,followers_count`,
        headers,
      }, { json: InstagramUser });
      if (!user.ok) return { failure: user.message };
      return {
        account_id: igUserId,
        account_name: user.data.username ?? igUserId,
        followers_count: user.data.followers_count ?? null,
        settings: { ig_user_id: igUserId },
      };
    },
    credentials: (tokens, _app, _account, expiresAt) => oauthToken(tokens, expiresAt),
  },
};

export const CONNECTABLE_KINDS = Object.keys(PROVIDERS) as PlatformKind[];

export function providerFor(kind: PlatformKind): Provider | undefined {
  return PROVIDERS[kind];
}

/** The operator's OAuth app for a kind (function secrets), or undefined when none is set. */
export function oauthApp(kind: PlatformKind): OAuthApp | undefined {
  const prefix = `OAUTH_${kind.toUpperCase()}_`;
  const clientId = Deno.env.get(`${prefix}CLIENT_ID`);
  if (!clientId) return undefined;
  const clientSecret = Deno.env.get(`${prefix}CLIENT_SECRET`) || undefined;
  return { client_id: clientId, client_secret: clientSecret };
}

/** The public callback every provider redirects back to (supabase/functions/connections-callback). */
export function callbackUrl(): string {
  const project = Deno.env.get("SUPABASE_URL");
  if (!project) throw new Error("SUPABASE_URL is not set");
  return `${project.replace(/\/+$/, "")}/functions/v1/connections-callback`;
}

/** Why the row's consent page may not be used, or undefined when it may. */
export function authorizeUrlRefusal(
  kind: PlatformKind,
  config: Record<string, unknown>,
): string | undefined {
  const provider = PROVIDERS[kind];
  if (!provider || config.authorize_url === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(String(config.authorize_url));
  } catch {
    return "publish_config.authorize_url: must be a URL";
  }
  const production = new URL(provider.authorizeUrl);
  if (url.protocol === "https:" && url.host === production.host) return undefined;
  if (isAllowListed(url, operatorAllowList())) return undefined;
  return `publish_config.authorize_url: a ${kind} consent page is on https://${production.host} ` +
    `(the operator's EGRESS_ALLOWED_HOSTS setting can allow another host)`;
}

/** A random URL-safe string of `bytes` random bytes (state, PKCE verifier). */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** SHA-256 as lowercase hex: how a state is kept (a database reader cannot replay it). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The PKCE S256 challenge of a verifier. */
export async function pkceChallenge(verifier: string): Promise<string> {
  return base64url(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))),
  );
}

/** The consent-page URL a person opens to connect the account. */
export function authorizationUrl(
  kind: PlatformKind,
  config: Record<string, unknown>,
  app: OAuthApp,
  state: string,
  challenge: string,
): string {
  const provider = PROVIDERS[kind]!;
  const url = new URL(
    typeof config.authorize_url === "string" ? config.authorize_url : provider.authorizeUrl,
  );
  const params = {
    response_type: "code",
    [provider.clientIdField ?? "client_id"]: app.client_id,
    redirect_uri: callbackUrl(),
    state,
    ...(provider.pkce ? { code_challenge: challenge, code_challenge_method: "S256" } : {}),
    ...provider.authorizeParams,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const scopes = provider.scopes(config);
  if (scopes.length > 0) url.searchParams.set("scope", scopes.join(provider.scopeSeparator ?? " "));
  return url.toString();
}

const GrantSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().optional(),
});

/** The longest an access token's `expires_in` is believed (a year), as oauth2.ts. */
const MAX_EXPIRES_IN_S = 366 * 24 * 60 * 60;

/** Why a connection did not complete, as the callback answers it. */
export class ConnectionFailed extends Error {
  override name = "ConnectionFailed";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Redeem the code at the kind's token endpoint and read the account: the credentials to store and
 * the account to record. A refused code (expired, used, another client's) is a ConnectionFailed 400.
 */
export async function completeConnection(
  platform: Pick<PlatformRow, "kind" | "publish_config"> & Partial<PlatformRow>,
  app: OAuthApp,
  code: string,
  verifier: string,
  deps: HttpDepsOverrides = {},
): Promise<{
  account: ConnectedAccount;
  credentials: Record<string, unknown>;
  /** Settings to add to the row's publish_config. */
  publishConfig: Record<string, unknown>;
}> {
  const provider = PROVIDERS[platform.kind];
  if (!provider) {
    throw new ConnectionFailed(400, `${platform.kind} accounts do not connect with OAuth`);
  }
  const config = platform.publish_config as Record<string, unknown>;
  try {
    assertApiHosts(platform as PlatformRow);
  } catch (error) {
    throw new ConnectionFailed(400, (error as Error).message);
  }
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: callbackUrl(),
    [provider.clientIdField ?? "client_id"]: app.client_id,
  });
  if (provider.pkce) form.set("code_verifier", verifier);
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
  };
  if (provider.clientAuth === "form") {
    if (app.client_secret) form.set("client_secret", app.client_secret);
  } else if (app.client_secret) {
    const id = encodeURIComponent(app.client_id);
    headers.authorization = `Basic ${btoa(`${id}:${encodeURIComponent(app.client_secret)}`)}`;
  }
  const timeout = { timeout_ms: undefined };
  const tokenClient = httpClientFor(timeout, deps, oauth2TokenErrors(provider.label));
  const granted = provider.exchange
    ? await provider.exchange(
      httpClientFor(timeout, deps, apiErrors(provider.label)),
      config,
      app,
      code,
    )
    : await tokenClient.request({
      method: "POST",
      url: provider.tokenUrl(config),
      headers,
      body: form.toString(),
    }, { json: GrantSchema });
  if (!granted.ok) {
    const refused = granted.errorClass === "auth" || granted.errorClass === "permanent";
    throw new ConnectionFailed(
      refused ? 400 : 502,
      `${provider.label} did not accept the authorization code: ${granted.message}` +
        (refused ? " (start the connection again: a code works once, for minutes)" : ""),
    );
  }
  const tokens = granted.data;
  const read = await provider.account(
    httpClientFor(timeout, deps, apiErrors(provider.label)),
    config,
    tokens.access_token,
  );
  if ("failure" in read) {
    throw new ConnectionFailed(
      502,
      `reading the connected ${provider.label} account failed: ${read.failure}`,
    );
  }
  const { settings = {}, ...account } = read;
  // no expiry, or 0 (Mailchimp: the token does not expire)
  const expiresAt = !tokens.expires_in ? undefined : new Date(
    tokenClient.now().getTime() + Math.min(Math.max(tokens.expires_in, 0), MAX_EXPIRES_IN_S) * 1000,
  ).toISOString();
  return {
    account,
    credentials: provider.credentials(tokens, app, account, expiresAt),
    publishConfig: {
      // what the account decides, where the row does not say otherwise
      ...Object.fromEntries(Object.entries(settings).filter(([k]) => config[k] === undefined)),
      ...provider.publishConfig?.(account, config),
    },
  };
}

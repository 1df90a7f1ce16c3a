/**
 * OAuth 2.0 bearer credentials that renew themselves with a refresh token (RFC 6749 section 6):
 * `POST token_url` form-encoded `grant_type=refresh_token&refresh_token&client_id&client_secret`
 * (TikTok names the client `client_key`) -> `{access_token, expires_in?, refresh_token?}`. Used as
 * an HttpClient's RequestAuthorizer: the client asks for headers before each request (an access
 * token known to expire within a minute is renewed first) and calls `renew` after a 401, then sends
 * again.
 *
 * With a CredentialStore (the platform's Vault secret), a renewal happens under the platform's
 * credential lock: when the stored secret already holds a newer access token (another worker
 * renewed it), that one is used and nothing is sent; otherwise the refresh uses the stored (latest)
 * refresh token, and the answer (a new access token, its expiry, a rotated refresh token) is stored
 * before the lock is released. TikTok and X rotate refresh tokens: the one sent stops working, so
 * two workers refreshing at once without the lock would leave one of them refused. Without a
 * store (contract tests) the renewed token lives in this object only.
 */
import { z } from "zod";
import type { ErrorProfile } from "../net/classify.ts";
import type { CredentialStore, OAuth2Credentials } from "./credentials.ts";
import type { AdapterDeps } from "../adapters/adapter.ts";
import { type HttpClient, httpClientFor, type RequestAuthorizer } from "../net/api-client.ts";
import { HTTP_SETTINGS } from "../adapters/settings.ts";
import type { Failure } from "../adapters/types.ts";

/**
 * RFC 6749 section 5.2 error bodies: `{error, error_description}`. `rules` first: what else means
 * the refresh token is refused (X answers a used or unknown one `invalid_request`).
 */
export function oauth2TokenErrors(
  platform: string,
  rules: ErrorProfile["rules"] = [],
): ErrorProfile {
  return {
    platform: `${platform} token endpoint`,
    messagePaths: ["error_description", "error"],
    codePaths: ["error"],
    rules: [
      ...rules,
      // The refresh token expired, was revoked, or belongs to another client: reconnect.
      { path: "error", equals: "invalid_grant", errorClass: "auth" },
      { path: "error", equals: "invalid_client", errorClass: "auth" },
      { path: "error", equals: "unauthorized_client", errorClass: "auth" },
    ],
    rateLimitReset: { kind: "after", seconds: HTTP_SETTINGS.fallbackRateLimitSeconds },
  };
}

const TokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().optional(),
  refresh_token: z.string().min(1).optional(),
  token_type: z.string().optional(),
});

/** The stored secret's token fields, read leniently (anything else in it is kept as it is). */
const StoredTokensSchema = z.object({
  access_token: z.string().optional().catch(undefined),
  expires_at: z.string().optional().catch(undefined),
  refresh_token: z.string().optional().catch(undefined),
});

/** An access token this close to its expiry is renewed before it is sent. */
const RENEW_BEFORE_EXPIRY_MS = 60_000;

export interface OAuth2Client {
  tokenUrl: string;
  /** The form field naming the client: RFC 6749's client_id, TikTok's client_key. */
  clientIdField?: string;
  /**
   * How the client authenticates (RFC 6749 section 2.3.1): `form` (default) sends client_secret in
   * the form and requires it; `basic` sends an HTTP Basic header when there is a secret (X's
   * confidential clients) and only client_id when there is none (a public PKCE client).
   */
  clientAuth?: "form" | "basic";
  /** The platform's stored credentials, renewed under its credential lock. */
  store?: CredentialStore;
}

/** The stored credentials could not be read or written (the database): nothing was sent. */
function storeFailed(error: unknown): Failure {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    ok: false,
    errorClass: "transient",
    outcome: "not_applied",
    message: `renewing the access token failed: the stored credentials: ${reason}`,
  };
}

const expiry = (at: string | undefined) => {
  const ms = at === undefined ? NaN : Date.parse(at);
  return Number.isNaN(ms) ? undefined : ms;
};

/** The longest an access token's `expires_in` is believed (a year). */
const MAX_EXPIRES_IN_S = 366 * 24 * 60 * 60;

export class OAuth2Bearer implements RequestAuthorizer {
  private accessToken: string | undefined;
  /** When accessToken expires (ms), when known. */
  private expiresAt: number | undefined;
  private refreshToken: string | undefined;
  private refreshing: Promise<Failure | undefined> | undefined;

  /** `tokenClient` posts to the token endpoint (its profile: `oauth2TokenErrors`). */
  constructor(
    private readonly credentials: OAuth2Credentials,
    private readonly client: OAuth2Client,
    private readonly tokenClient: HttpClient,
  ) {
    this.accessToken = credentials.access_token;
    this.expiresAt = expiry(credentials.expires_at);
    this.refreshToken = credentials.refresh_token;
  }

  private get refreshable(): boolean {
    const c = this.credentials;
    const secretOptional = this.client.clientAuth === "basic";
    return !!(this.refreshToken && c.client_id && (c.client_secret || secretOptional));
  }

  /** The token request's form and headers, with the client authenticated as the platform wants. */
  private tokenRequest(): { body: string; headers: Record<string, string> } {
    const c = this.credentials;
    const form = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: this.refreshToken!,
      [this.client.clientIdField ?? "client_id"]: c.client_id!,
    });
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
    };
    if (this.client.clientAuth !== "basic") form.set("client_secret", c.client_secret!);
    else if (c.client_secret) {
      const id = encodeURIComponent(c.client_id!);
      headers.authorization = `Basic ${btoa(`${id}:${encodeURIComponent(c.client_secret)}`)}`;
    }
    return { body: form.toString(), headers };
  }

  private fresh(expiresAt: number | undefined): boolean {
    return expiresAt === undefined ||
      expiresAt - RENEW_BEFORE_EXPIRY_MS > this.tokenClient.now().getTime();
  }

  async headers(): Promise<{ ok: true; headers: Record<string, string> } | Failure> {
    if (!this.accessToken || (!this.fresh(this.expiresAt) && this.refreshable)) {
      const refused = await this.refresh(this.accessToken);
      // A token that has not expired yet is still sent when its early renewal failed.
      const usable = this.accessToken !== undefined &&
        (this.expiresAt === undefined || this.expiresAt > this.tokenClient.now().getTime());
      if (refused && !usable) return refused;
    }
    return { ok: true, headers: { authorization: `Bearer ${this.accessToken}` } };
  }

  async renew(rejected?: Record<string, string>): Promise<boolean | Failure> {
    if (!this.refreshable) return false;
    // Renewed since that request was sent (by a request alongside it): send it with the new token.
    const sent = rejected?.authorization?.replace(/^Bearer /, "");
    if (sent !== undefined && sent !== this.accessToken && this.accessToken) return true;
    return (await this.refresh(this.accessToken)) ?? true;
  }

  /** One renewal at a time; concurrent callers share it. `stale`: the token to replace. */
  private refresh(stale: string | undefined): Promise<Failure | undefined> {
    this.refreshing ??=
      (this.client.store
        ? this.client.store.update((stored) => this.renewFrom(stored, stale)).catch(storeFailed)
        : this.requestToken().then((r) => r.value)).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Under the credential lock: adopt a newer stored token, or refresh and store the answer. */
  private async renewFrom(
    raw: unknown,
    stale: string | undefined,
  ): Promise<{ value: Failure | undefined; save?: Record<string, unknown> }> {
    const stored = StoredTokensSchema.parse(raw ?? {});
    const storedExpiry = expiry(stored.expires_at);
    if (stored.access_token && stored.access_token !== stale && this.fresh(storedExpiry)) {
      this.accessToken = stored.access_token;
      this.expiresAt = storedExpiry;
      this.refreshToken = stored.refresh_token ?? this.refreshToken;
      return { value: undefined };
    }
    this.refreshToken = stored.refresh_token ?? this.refreshToken;
    const { value, tokens } = await this.requestToken();
    if (!tokens) return { value };
    const save: Record<string, unknown> = { ...(raw as Record<string, unknown>), ...tokens };
    if (tokens.expires_at === undefined) delete save.expires_at;
    return { value, save };
  }

  private async requestToken(): Promise<{
    value: Failure | undefined;
    tokens?: { access_token: string; expires_at?: string; refresh_token?: string };
  }> {
    if (!this.refreshable) {
      return {
        value: {
          ok: false,
          errorClass: "auth",
          outcome: "not_applied",
          message: "no access token, and no refresh token to get one with",
        },
      };
    }
    const { body, headers } = this.tokenRequest();
    const res = await this.tokenClient.request({
      method: "POST",
      url: this.client.tokenUrl,
      headers,
      body,
    }, { json: TokenSchema });
    if (!res.ok) {
      // Asking for a token publishes nothing, whatever happened to that request.
      return {
        value: {
          ...res,
          outcome: "not_applied",
          message: `refreshing the access token failed: ${res.message}`,
        },
      };
    }
    const { access_token, expires_in, refresh_token } = res.data;
    this.accessToken = access_token;
    this.expiresAt = expires_in === undefined
      ? undefined
      // a token endpoint's answer is not trusted with the calendar: at most a year ahead, never in the past
      : this.tokenClient.now().getTime() +
        Math.min(Math.max(expires_in, 0), MAX_EXPIRES_IN_S) * 1000;
    this.refreshToken = refresh_token ?? this.refreshToken;
    return {
      value: undefined,
      tokens: {
        access_token,
        expires_at: this.expiresAt === undefined
          ? undefined
          : new Date(this.expiresAt).toISOString(),
        refresh_token: this.refreshToken,
      },
    };
  }
}

/**
 * `http` sending as the holder of OAuth 2.0 `credentials`: renewed at `client.tokenUrl` through a
 * client of its own (`tokenErrors`, the adapter's timeout), stored in the deps' credential store.
 */
export function withOAuth2(
  http: HttpClient,
  credentials: OAuth2Credentials,
  client: Omit<OAuth2Client, "store">,
  tokenErrors: ErrorProfile,
  config: { timeout_ms?: number },
  deps: AdapterDeps,
): HttpClient {
  const tokenClient = httpClientFor(config, deps, tokenErrors);
  return http.withAuthorizer(
    new OAuth2Bearer(credentials, { ...client, store: deps.credentialStore }, tokenClient),
  );
}

/**
 * OAuth 2.0 bearer credentials that renew themselves with a refresh token (RFC 6749 section 6):
 * `POST token_url` form-encoded `grant_type=refresh_token&refresh_token&client_id&client_secret`
 * -> `{access_token, expires_in, token_type}`. Used as an HttpClient's RequestAuthorizer: the
 * client asks for headers before each request and calls `renew` after a 401, then sends again.
 *
 * The refreshed access token lives in this object, i.e. for one adapter instance (one publish
 * run). Persisting it back to Vault is not needed: a refresh is one cheap form POST, and what
 * lasts (the refresh token) does not change.
 */
import { z } from "zod";
import type { ErrorProfile } from "./classify.ts";
import type { HttpClient, RequestAuthorizer } from "./http.ts";
import { HTTP_SETTINGS } from "./settings.ts";
import type { Failure } from "./types.ts";

/**
 * Credentials of a platform whose access tokens expire: an access token, or a refresh token with
 * the OAuth client it was issued to (then the access token is optional and fetched when needed).
 */
export const OAuth2CredentialsSchema = z.object({
  access_token: z.string().min(1).optional(),
  refresh_token: z.string().min(1).optional(),
  client_id: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
}).refine(
  (c) => (c.refresh_token ? !!(c.client_id && c.client_secret) : !!c.access_token),
  { message: "access_token, or refresh_token with client_id and client_secret, is required" },
);
export type OAuth2Credentials = z.infer<typeof OAuth2CredentialsSchema>;

/** RFC 6749 section 5.2 error bodies: `{error, error_description}`. */
export function oauth2TokenErrors(platform: string): ErrorProfile {
  return {
    platform: `${platform} token endpoint`,
    messagePaths: ["error_description", "error"],
    codePaths: ["error"],
    rules: [
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
  token_type: z.string().optional(),
});

export class OAuth2Bearer implements RequestAuthorizer {
  private accessToken: string | undefined;
  private refreshing: Promise<Failure | undefined> | undefined;

  /** `tokenClient` posts to the token endpoint (its profile: `oauth2TokenErrors`). */
  constructor(
    private readonly credentials: OAuth2Credentials,
    private readonly tokenUrl: string,
    private readonly tokenClient: HttpClient,
  ) {
    this.accessToken = credentials.access_token;
  }

  private get refreshable(): boolean {
    const c = this.credentials;
    return !!(c.refresh_token && c.client_id && c.client_secret);
  }

  async headers(): Promise<{ ok: true; headers: Record<string, string> } | Failure> {
    if (!this.accessToken) {
      const refused = await this.refresh();
      if (refused) return refused;
    }
    return { ok: true, headers: { authorization: `Bearer ${this.accessToken}` } };
  }

  async renew(): Promise<boolean | Failure> {
    if (!this.refreshable) return false;
    return (await this.refresh()) ?? true;
  }

  /** One refresh at a time; concurrent callers share it. */
  private refresh(): Promise<Failure | undefined> {
    this.refreshing ??= this.requestToken().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async requestToken(): Promise<Failure | undefined> {
    const c = this.credentials;
    if (!this.refreshable) {
      return {
        ok: false,
        errorClass: "auth",
        outcome: "not_applied",
        message: "no access token, and no refresh token to get one with",
      };
    }
    const res = await this.tokenClient.request({
      method: "POST",
      url: this.tokenUrl,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: c.refresh_token!,
        client_id: c.client_id!,
        client_secret: c.client_secret!,
      }).toString(),
    }, { json: TokenSchema });
    if (res.ok) {
      this.accessToken = res.data.access_token;
      return undefined;
    }
    // Asking for a token publishes nothing, whatever happened to that request.
    return {
      ...res,
      outcome: "not_applied",
      message: `refreshing the access token failed: ${res.message}`,
    };
  }
}

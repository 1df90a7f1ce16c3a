/** Parsing of the Authorization schemes the emulated platforms accept, and OAuth 2.0 token requests. */
import { json } from "./framework.ts";

export function bearerToken(headers: Headers): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(headers.get("authorization") ?? "");
  return match?.[1];
}

export function basicCredentials(
  headers: Headers,
): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(headers.get("authorization") ?? "");
  if (!match) return undefined;
  let decoded: string;
  try {
    decoded = atob(match[1]);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** RFC 5849 percent-encoding. */
export function oauthEncode(value: string): string {
  const encoded = encodeURIComponent(value);
  // replace() with a function is slow even when nothing matches, and most values have none.
  if (!/[!'()*]/.test(encoded)) return encoded;
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export const OAUTH1_REQUIRED = [
  "oauth_consumer_key",
  "oauth_nonce",
  "oauth_signature",
  "oauth_signature_method",
  "oauth_timestamp",
  "oauth_token",
  "oauth_version",
] as const;

/**
 * Parse `Authorization: OAuth k="v", ...`. Returns the parameters, or a reason it is malformed:
 * every required parameter present once, quoted and percent-encoded, HMAC-SHA1, version 1.0,
 * a numeric timestamp.
 */
export function parseOAuth1(
  headers: Headers,
): { params: Record<string, string> } | { error: string } {
  const header = headers.get("authorization") ?? "";
  if (!/^OAuth\s/i.test(header)) return { error: "missing OAuth Authorization header" };
  const params: Record<string, string> = {};
  for (const part of header.slice(6).split(",")) {
    const m = /^\s*([A-Za-z0-9_]+)="([A-Za-z0-9\-._~%]*)"\s*$/.exec(part);
    if (!m) return { error: `malformed OAuth parameter: ${part.trim()}` };
    if (m[1] in params) return { error: `duplicate OAuth parameter ${m[1]}` };
    try {
      params[m[1]] = decodeURIComponent(m[2]);
    } catch {
      return { error: `bad percent-encoding in ${m[1]}` };
    }
  }
  for (const key of OAUTH1_REQUIRED) {
    if (!params[key]) return { error: `missing ${key}` };
  }
  if (params.oauth_signature_method !== "HMAC-SHA1") {
    return { error: "unsupported signature method" };
  }
  if (params.oauth_version !== "1.0") return { error: "oauth_version must be 1.0" };
  if (!/^\d{9,11}$/.test(params.oauth_timestamp)) return { error: "bad oauth_timestamp" };
  return { params };
}

/** An RFC 6749 section 5.2 error answer (`extra`: a platform's own fields, such as TikTok's log_id). */
export function oauthError(
  status: number,
  error: string,
  description: string,
  extra: Record<string, unknown> = {},
): Response {
  return json({ error, error_description: description, ...extra }, status);
}

/**
 * A refresh-grant token request's form (RFC 6749 section 6): its parameters, or the error answer
 * for another grant type.
 */
export function refreshGrant(body: unknown): ((name: string) => string | undefined) | Response {
  const form = (body ?? {}) as Record<string, unknown>;
  const param = (name: string) => typeof form[name] === "string" ? form[name] as string : undefined;
  const grantType = param("grant_type");
  if (grantType !== "refresh_token") {
    return oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${grantType ?? ""}`);
  }
  return param;
}

/** A code the authorize endpoint issued, waiting for the token endpoint (RFC 6749 section 4.1). */
export interface AuthorizationCode {
  client_id: string;
  redirect_uri: string;
  /** PKCE (RFC 7636), S256 only. */
  code_challenge?: string;
  scope: string;
  /** Who consented: the platform's account id (an X user id, a YouTube channel id). */
  subject: string;
  expiresAt: number;
}

/**
 * The authorization-code half of a provider's OAuth 2.0: its authorize page (which consents at once
 * for `subject()` and redirects back with `code` and `state`) and the code redemption its token
 * endpoint performs. Codes are single-use, bound to the client, the redirect URI and the PKCE
 * challenge, and expire after `lifetimeSeconds` by the emulator's clock. Two emulator-only query
 * parameters on the authorize URL stand in for what a person does in the browser:
 * `emulator_consent=deny` (the person refuses: `error=access_denied`) and `emulator_code_ttl=S` (the
 * code lives S seconds; 0: it has expired when it reaches the token endpoint).
 */
export function authorizationCodes(options: {
  clientIds: () => string[];
  subject: () => string;
  lifetimeSeconds: number;
  /** The provider requires PKCE (X). */
  pkceRequired?: boolean;
  /** The query parameter naming the client (TikTok: client_key). */
  clientIdParam?: string;
}) {
  const codes = new Map<string, AuthorizationCode>();
  const redirectWith = (redirectUri: string, params: Record<string, string>) => {
    const target = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    return new Response(null, { status: 302, headers: { location: target.toString() } });
  };
  return {
    codes,
    authorize(query: URLSearchParams, now: Date): Response {
      const clientId = query.get(options.clientIdParam ?? "client_id") ?? "";
      const redirectUri = query.get("redirect_uri") ?? "";
      if (!options.clientIds().includes(clientId)) {
        return json({
          error: "invalid_client",
          error_description: `Unknown ${options.clientIdParam ?? "client_id"}`,
        }, 400);
      }
      if (!/^https?:\/\//.test(redirectUri)) {
        return json(
          { error: "invalid_request", error_description: "redirect_uri is required" },
          400,
        );
      }
      const state = query.get("state") ?? "";
      if (query.get("response_type") !== "code") {
        return redirectWith(redirectUri, { error: "unsupported_response_type", state });
      }
      const challenge = query.get("code_challenge") ?? undefined;
      if (
        (challenge === undefined && options.pkceRequired) ||
        (challenge !== undefined && query.get("code_challenge_method") !== "S256")
      ) {
        return redirectWith(redirectUri, {
          error: "invalid_request",
          error_description: "code_challenge with code_challenge_method S256 is required",
          state,
        });
      }
      if (query.get("emulator_consent") === "deny") {
        return redirectWith(redirectUri, {
          error: "access_denied",
          error_description: "The user denied the request",
          state,
        });
      }
      const ttl = Number(query.get("emulator_code_ttl") ?? options.lifetimeSeconds);
      const code = `emu-code-${crypto.randomUUID().replace(/-/g, "")}`;
      codes.set(code, {
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
        scope: query.get("scope") ?? "",
        subject: options.subject(),
        expiresAt: now.getTime() + (Number.isFinite(ttl) ? ttl : options.lifetimeSeconds) * 1000,
      });
      return redirectWith(redirectUri, { code, state });
    },
    /** An authorization_code grant's form: the code it redeems (used up), or the error answer. */
    async redeem(
      param: (name: string) => string | undefined,
      clientId: string | undefined,
      now: Date,
    ): Promise<AuthorizationCode | Response> {
      const code = param("code") ?? "";
      const issued = codes.get(code);
      codes.delete(code);
      if (!issued || issued.client_id !== clientId) {
        return oauthError(400, "invalid_grant", "The authorization code is invalid or was used.");
      }
      if (now.getTime() >= issued.expiresAt) {
        return oauthError(400, "invalid_grant", "The authorization code has expired.");
      }
      if (param("redirect_uri") !== issued.redirect_uri) {
        return oauthError(400, "invalid_grant", "redirect_uri does not match the authorization.");
      }
      if (issued.code_challenge !== undefined) {
        const verifier = param("code_verifier") ?? "";
        const digest = new Uint8Array(
          await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
        );
        const computed = btoa(String.fromCharCode(...digest))
          .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
        if (computed !== issued.code_challenge) {
          return oauthError(
            400,
            "invalid_grant",
            "code_verifier does not match the code_challenge.",
          );
        }
      }
      return issued;
    },
  };
}

/** A token request's form parameters (any grant type). */
export function formParams(body: unknown): (name: string) => string | undefined {
  const form = (body ?? {}) as Record<string, unknown>;
  return (name) => typeof form[name] === "string" ? form[name] as string : undefined;
}

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

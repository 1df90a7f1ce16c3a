/**
 * OAuth 1.0a request signing (RFC 5849), HMAC-SHA1, as X's user context wants it.
 *
 * The signature covers the method, the base URL, the oauth_* parameters, the query parameters and
 * the parameters of an `application/x-www-form-urlencoded` body (section 3.4.1.3); a JSON or
 * multipart body is not covered. It holds a fresh nonce and the current time, so every request is
 * signed as it is sent: `OAuth1Signer` is the RequestAuthorizer that does that for an HttpClient.
 */
import { createHmac } from "node:crypto";
import type { CredentialsFor } from "./credentials.ts";
import type { HttpRequest, RequestAuthorizer } from "../net/api-client.ts";
import type { Failure } from "../adapters/types.ts";

/** The consumer (app) key and secret, and the token (user access token) and its secret. */
export type OAuth1Credentials = Pick<
  Extract<CredentialsFor<"x">, { app_key: string }>,
  "app_key" | "app_secret" | "access_token" | "access_secret"
>;

export type Param = readonly [name: string, value: string];

/** What makes each signature unique: a random nonce and the time in unix seconds. */
export interface Freshness {
  nonce: string;
  timestamp: number;
}

/** What encodeURIComponent leaves as it is but RFC 5849 encodes. */
const LEFT_BY_JS = /[!'()*]/;

/** Section 3.6: UTF-8 bytes, all but ALPHA / DIGIT / "-" / "." / "_" / "~" as upper-case %XX. */
export function percentEncode(value: string): string {
  const encoded = encodeURIComponent(value);
  // Tested first: a replace with a callback on every value costs more than the HMAC itself.
  if (!LEFT_BY_JS.test(encoded)) return encoded;
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Section 3.4.1: METHOD & base string URI & normalized parameters, each part percent-encoded.
 * The parameters are encoded, then sorted by name and value (byte order), then joined.
 */
export function signatureBaseString(method: string, url: URL, params: Iterable<Param>): string {
  const encoded = Array.from(
    params,
    ([name, value]) => [percentEncode(name), percentEncode(value)],
  );
  encoded.sort(([a, x], [b, y]) => a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0);
  const normalized = encoded.map(([name, value]) => `${name}=${value}`).join("&");
  // URL's origin is the scheme and host in lower case, with a default port left out (3.4.1.2).
  const baseUri = `${url.origin}${url.pathname}`;
  return `${method.toUpperCase()}&${percentEncode(baseUri)}&${percentEncode(normalized)}`;
}

/** Section 3.4.2: base64 HMAC-SHA1 of the base string, keyed by both secrets. */
export function hmacSha1Signature(
  baseString: string,
  consumerSecret: string,
  tokenSecret: string,
): string {
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
  return createHmac("sha1", key).update(baseString).digest("base64");
}

/** The `Authorization: OAuth ...` value (section 3.5.1) for one request. */
export function authorizationHeader(
  credentials: OAuth1Credentials,
  request: { method: string; url: URL; form?: URLSearchParams },
  { nonce, timestamp }: Freshness,
): string {
  const oauth: Param[] = [
    ["oauth_consumer_key", credentials.app_key],
    ["oauth_nonce", nonce],
    ["oauth_signature_method", "HMAC-SHA1"],
    ["oauth_timestamp", String(timestamp)],
    ["oauth_token", credentials.access_token],
    ["oauth_version", "1.0"],
  ];
  const base = signatureBaseString(request.method, request.url, [
    ...oauth,
    ...request.url.searchParams,
    ...(request.form ?? []),
  ]);
  const signature = hmacSha1Signature(base, credentials.app_secret, credentials.access_secret);
  return "OAuth " + [...oauth, ["oauth_signature", signature]]
    .map(([name, value]) => `${percentEncode(name)}="${percentEncode(value)}"`).join(", ");
}

/** The body's parameters when it is form-encoded, the only body a signature covers. */
function formParams(req: HttpRequest): URLSearchParams | undefined {
  if (req.body instanceof URLSearchParams) return req.body;
  if (typeof req.body !== "string" || !req.headers) return undefined;
  const type = Object.entries(req.headers).find(([name]) => name.toLowerCase() === "content-type");
  return type?.[1].toLowerCase().startsWith("application/x-www-form-urlencoded")
    ? new URLSearchParams(req.body)
    : undefined;
}

function freshNow(): Freshness {
  return {
    nonce: crypto.randomUUID().replaceAll("-", ""),
    timestamp: Math.floor(Date.now() / 1000),
  };
}

/**
 * Signs each request an HttpClient sends. The timestamp is the real time (the server checks it
 * against its own clock), never an injected test clock.
 */
export class OAuth1Signer implements RequestAuthorizer {
  constructor(
    private readonly credentials: OAuth1Credentials,
    private readonly fresh: () => Freshness = freshNow,
  ) {}

  headers(req: HttpRequest): Promise<{ ok: true; headers: Record<string, string> }> {
    const request = { method: req.method, url: new URL(req.url), form: formParams(req) };
    const authorization = authorizationHeader(this.credentials, request, this.fresh());
    return Promise.resolve({ ok: true, headers: { authorization } });
  }

  /**
   * A consumer key and token do not expire, but a signature is single-use: the HTTP client sends a
   * GET, PUT or DELETE again, with the same nonce, when a reused connection closes before the answer
   * (net/transport.ts), and X refuses the repeat with 401. So after a 401 the request is signed afresh and sent once more (a
   * 401 was not applied); a revoked or wrong credential is refused again and stays `auth`.
   */
  renew(): Promise<boolean | Failure> {
    return Promise.resolve(true);
  }
}

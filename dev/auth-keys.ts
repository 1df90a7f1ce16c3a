// The local stand-in for Supabase Auth's keys: an asymmetric signing key (ES256, P-256) whose public
// half is the project's JWKS, access tokens signed with it as Auth issues them, and API keys in the
// `sb_publishable_...` / `sb_secret_...` form hosted projects hand out.
import { base64url, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";

export interface SigningKey {
  /** The private key as a JWK (with kid and alg); it stays in the stack's state directory. */
  privateJwk: JWK;
  /** The project's JWKS: the public half only. */
  jwks: { keys: JWK[] };
}

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = crypto.randomUUID();
  const privateJwk = { ...await exportJWK(privateKey), kid, alg: "ES256", use: "sig" };
  const publicJwk = {
    ...await exportJWK(publicKey),
    kid,
    alg: "ES256",
    use: "sig",
    key_ops: ["verify"],
  };
  return { privateJwk, jwks: { keys: [publicJwk] } };
}

/** The public JWKS of a private JWK (the `d` member dropped). */
export function publicJwks(privateJwk: JWK): { keys: JWK[] } {
  const { d: _d, ...publicJwk } = privateJwk;
  return { keys: [{ ...publicJwk, key_ops: ["verify"] }] };
}

export interface TokenOptions {
  /** Seconds until it expires (negative: already expired). Default 3600, as Auth's default. */
  expiresIn?: number;
  /** The `iss` claim: Auth's URL, `<SUPABASE_URL>/auth/v1`. */
  issuer?: string;
}

/** A JWT signed with the private JWK (alg and kid from it), as Supabase Auth signs access tokens. */
export async function signWithJwk(
  privateJwk: JWK,
  claims: Record<string, unknown>,
  options: TokenOptions = {},
): Promise<string> {
  const alg = privateJwk.alg ?? "ES256";
  const key = await importJWK(privateJwk, alg);
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, kid: privateJwk.kid, typ: "JWT" })
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 3600));
  if (options.issuer) jwt.setIssuer(options.issuer);
  return await jwt.sign(key);
}

/** The claims of a user's access token, as Supabase Auth issues them after a password sign-in. */
export function userClaims(userId: string): Record<string, unknown> {
  return {
    sub: userId,
    role: "authenticated",
    aud: "authenticated",
    aal: "aal1",
    amr: [{ method: "password", timestamp: Math.floor(Date.now() / 1000) }],
    session_id: crypto.randomUUID(),
    is_anonymous: false,
  };
}

/** A new API key in the hosted form: `sb_<kind>_<random>_<checksum>`. */
export async function newApiKey(kind: "publishable" | "secret"): Promise<string> {
  const random = base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`sb_${kind}_${random}`)),
  );
  return `sb_${kind}_${random}_${base64url.encode(digest).slice(0, 8)}`;
}

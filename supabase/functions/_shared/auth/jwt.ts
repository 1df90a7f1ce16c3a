// Verifies a JWT and returns its payload, or throws AuthError (401). Fails closed:
// - ES256/RS256 (Supabase Auth's asymmetric signing keys): the token's kid is looked up in the
//   project's JWKS (auth/jwks.ts: SUPABASE_JWKS, else fetched from Auth and kept), and supabase-js
//   `auth.getClaims(token, { keys: [thatKey] })` checks the signature and `exp`. getClaims is only ever
//   given a token whose key is known: with no kid, or a kid it cannot find, it would hand the token to
//   the Auth server instead (getUser, a network call per request), so such a token is refused here.
// - HS256 (legacy): only where SUPABASE_JWT_SECRET is configured, verified with jose. getClaims does not
//   fit here: it sends every HS token to the Auth server's /auth/v1/user, a network call per request that
//   a project keeping its legacy secret does not need (and the local stack has no Auth server).
// - anything else (`none`, other HS/PS/EdDSA algorithms) is refused; so is an HS256 token on a project
//   without a legacy secret, whatever key it was signed with (no alg confusion with the public key).
// `exp` is required and checked, as is `nbf` when present (getClaims does not read nbf).
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from "jose";
import type { AuthConfig } from "./config.ts";
import { AuthError } from "./error.ts";
import { jwkFor } from "./jwks.ts";
import type { Database } from "../database.types.ts";

const ASYMMETRIC = new Set(["ES256", "RS256"]);

const clients = new Map<string, SupabaseClient<Database>>();

/** One supabase-js client per project URL, only for its Auth API (no session kept, nothing refreshed). */
function authClient(url: string, apiKey: string): SupabaseClient<Database> {
  let client = clients.get(url);
  if (!client) {
    // Typed with the generated schema (npm run db:types), as every client of this project is.
    client = createClient<Database>(url, apiKey, {
      auth: {
        persistSession: false,
        autoRefreshToken: false,
        detectSessionInUrl: false,
        // supabase-js caches a JWKS per storage key; one per URL keeps projects apart.
        storageKey: `jwks:${url}`,
      },
    });
    clients.set(url, client);
  }
  return client;
}

function header(token: string): { alg?: string; kid?: string } {
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw new AuthError("Invalid JWT");
  }
}

async function verifyAsymmetric(
  token: string,
  alg: string,
  kid: string | undefined,
  config: AuthConfig,
): Promise<Record<string, unknown>> {
  if (!kid) throw new AuthError("Invalid JWT: no key id");
  const apiKey = config.anonKeys[0];
  if (!config.url || !apiKey) {
    console.error(
      "SUPABASE_URL or a publishable/anon key is missing: user tokens cannot be verified",
    );
    throw new AuthError("Invalid JWT: this project cannot verify tokens");
  }
  const jwk = await jwkFor(kid, config);
  if (!jwk || (jwk.alg !== undefined && jwk.alg !== alg)) throw new AuthError("Invalid JWT");
  let result;
  try {
    result = await authClient(config.url, apiKey).auth.getClaims(token, { keys: [jwk] });
  } catch {
    // WebCrypto refusing the key for the token's alg (an EC key named by an RS256 token), ...
    throw new AuthError("Invalid JWT");
  }
  if (result.error || !result.data) {
    throw new AuthError(
      /expired/i.test(result.error?.message ?? "") ? "JWT expired" : "Invalid JWT",
    );
  }
  return result.data.claims as Record<string, unknown>;
}

async function verifyLegacy(token: string, secret: string): Promise<Record<string, unknown>> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ["HS256"],
      requiredClaims: ["exp"],
    });
    return payload as Record<string, unknown>;
  } catch (error) {
    throw new AuthError(error instanceof joseErrors.JWTExpired ? "JWT expired" : "Invalid JWT");
  }
}

function checkTimes(payload: Record<string, unknown>, now = Date.now() / 1000): void {
  if (typeof payload.exp !== "number") throw new AuthError("Invalid JWT: no expiry");
  if (payload.exp <= now) throw new AuthError("JWT expired");
  if (payload.nbf !== undefined && (typeof payload.nbf !== "number" || payload.nbf > now)) {
    throw new AuthError("Invalid JWT: not valid yet");
  }
}

export async function verifyJwt(
  token: string,
  config: AuthConfig,
): Promise<Record<string, unknown>> {
  const { alg, kid } = header(token);
  let payload: Record<string, unknown>;
  if (alg && ASYMMETRIC.has(alg)) {
    payload = await verifyAsymmetric(token, alg, kid, config);
  } else if (alg === "HS256" && config.jwtSecret) {
    payload = await verifyLegacy(token, config.jwtSecret);
  } else {
    throw new AuthError(`Invalid JWT: alg ${alg ?? "(none)"} is not accepted`);
  }
  checkTimes(payload);
  return payload;
}

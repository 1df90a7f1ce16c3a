// The caller's identity, verified by the function itself on every request (fails closed; the
// gateway's verify_jwt is not relied on). The credential is the Authorization bearer, or, without
// one, the `apikey` header:
// - a secret key (any of SUPABASE_SECRET_KEYS) or the legacy service-role key: the service role;
// - a publishable key or the legacy anon key: anon;
// - any other value is a JWT, verified by auth/jwt.ts (JWKS, or the legacy secret where configured);
//   its claims are the identity. Nothing is ever decoded unverified.
import { z } from "zod";
import { matchesAnyKey } from "./auth/api-keys.ts";
import { type AuthConfig, envAuthConfig } from "./auth/config.ts";
import { AuthError } from "./auth/error.ts";
import { verifyJwt } from "./auth/jwt.ts";

export { AuthError };

export const Claims = z.looseObject({
  sub: z.string().optional(),
  role: z.string(),
  exp: z.number().optional(),
});
export type Claims = z.infer<typeof Claims>;

function credential(req: Request): string {
  const authorization = req.headers.get("authorization");
  if (authorization === null) {
    const apiKey = req.headers.get("apikey");
    if (apiKey) return apiKey;
    throw new AuthError("Missing authorization header");
  }
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) throw new AuthError("Invalid authorization header: expected 'Bearer <token>'");
  return match[1];
}

/** The verified claims of the request's credential; `config` defaults to the function's environment. */
export async function claimsOf(
  req: Request,
  config: AuthConfig = envAuthConfig(),
): Promise<Claims> {
  const token = credential(req);
  if (matchesAnyKey(token, config.serviceKeys)) return { role: "service_role" };
  if (matchesAnyKey(token, config.anonKeys)) return { role: "anon" };
  if (token.startsWith("sb_")) throw new AuthError("Invalid API key");
  const parsed = Claims.safeParse(await verifyJwt(token, config));
  if (!parsed.success) throw new AuthError("Invalid JWT: no role");
  return parsed.data;
}

/** A signed-in user of some client (role authenticated, with a subject). */
export async function requireUser(
  req: Request,
  config?: AuthConfig,
): Promise<Claims & { sub: string }> {
  const claims = await claimsOf(req, config);
  if (claims.role !== "authenticated" || !claims.sub) {
    throw new AuthError("This function needs a signed-in user's token", 403);
  }
  return claims as Claims & { sub: string };
}

/** The service role only: pg_cron jobs and workers (a service key, or a verified service_role JWT). */
export async function requireServiceRole(req: Request, config?: AuthConfig): Promise<Claims> {
  const claims = await claimsOf(req, config);
  if (claims.role !== "service_role") {
    throw new AuthError("This function accepts only the service role", 403);
  }
  return claims;
}

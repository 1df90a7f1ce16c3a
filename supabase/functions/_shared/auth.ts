// The caller's identity, from the bearer token. The gateway (Supabase's, or dev/functions-host.ts)
// has already verified the signature when the function has verify_jwt on; where the secret is at
// hand it is verified again here, so a function never trusts an unverified claim set by itself.
import { decodeJwt, jwtVerify } from "jose";
import { z } from "zod";

export const Claims = z.looseObject({
  sub: z.string().optional(),
  role: z.string(),
  exp: z.number().optional(),
});
export type Claims = z.infer<typeof Claims>;

export class AuthError extends Error {
  constructor(message: string, readonly status = 401) {
    super(message);
  }
}

function bearer(req: Request): string {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
  if (!match) throw new AuthError("Missing authorization header");
  return match[1];
}

export async function claimsOf(req: Request): Promise<Claims> {
  const token = bearer(req);
  const secret = Deno.env.get("SUPABASE_JWT_SECRET");
  try {
    const payload = secret
      ? (await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ["HS256"] }))
        .payload
      : decodeJwt(token);
    return Claims.parse(payload);
  } catch {
    throw new AuthError("Invalid JWT");
  }
}

/** A signed-in user of some client (role authenticated, with a subject). */
export async function requireUser(req: Request): Promise<Claims & { sub: string }> {
  const claims = await claimsOf(req);
  if (claims.role !== "authenticated" || !claims.sub) {
    throw new AuthError("This function needs a signed-in user's token", 403);
  }
  return claims as Claims & { sub: string };
}

/** The service role only: pg_cron jobs and workers. */
export async function requireServiceRole(req: Request): Promise<Claims> {
  const serviceKey = Deno.env.get("SUPABASE_SERVICE_ROLE_KEY");
  if (serviceKey && bearer(req) === serviceKey) return { role: "service_role" };
  const claims = await claimsOf(req);
  if (claims.role !== "service_role") {
    throw new AuthError("This function accepts only the service role", 403);
  }
  return claims;
}

// What a function knows about its project's keys, from the environment Supabase gives every function:
// SUPABASE_URL, SUPABASE_JWKS (the public keys Auth signs user tokens with), SUPABASE_PUBLISHABLE_KEYS
// and SUPABASE_SECRET_KEYS (JSON objects of named `sb_...` keys), and the legacy SUPABASE_ANON_KEY,
// SUPABASE_SERVICE_ROLE_KEY and SUPABASE_JWT_SECRET (HS256; absent on projects that no longer use it).
// A malformed variable counts as absent (and is logged): nothing is accepted on its account.
import { z } from "zod";

const Jwk = z.looseObject({
  kty: z.enum(["EC", "RSA", "oct"]),
  kid: z.string(),
  alg: z.string().optional(),
  key_ops: z.array(z.string()).default(["verify"]),
});
export const JwksSchema = z.object({ keys: z.array(Jwk) });
export type Jwks = z.infer<typeof JwksSchema>;
const NamedKeys = z.record(z.string(), z.string().min(1));

export interface AuthConfig {
  /** The project's URL; Auth (and its JWKS) is at <url>/auth/v1. */
  url?: string;
  /** The JWKS given in the environment; without it the function fetches it from Auth. */
  jwks?: Jwks;
  /** The legacy HS256 secret, where the project still has one. */
  jwtSecret?: string;
  /** Keys that mean the service role: the legacy service-role key and every secret key. */
  serviceKeys: string[];
  /** Keys that mean anon: the legacy anon key and every publishable key. */
  anonKeys: string[];
}

function parsed<T>(name: string, raw: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (!raw) return undefined;
  try {
    const result = schema.safeParse(JSON.parse(raw));
    if (result.success) return result.data;
  } catch {
    // reported below
  }
  console.error(`${name} is not what Supabase sets (ignored: nothing is accepted on its account)`);
  return undefined;
}

export function authConfigFrom(get: (name: string) => string | undefined): AuthConfig {
  const present = (value: string | undefined) => (value ? [value] : []);
  return {
    url: get("SUPABASE_URL")?.replace(/\/+$/, "") || undefined,
    jwks: parsed("SUPABASE_JWKS", get("SUPABASE_JWKS"), JwksSchema),
    jwtSecret: get("SUPABASE_JWT_SECRET") || undefined,
    serviceKeys: [
      ...present(get("SUPABASE_SERVICE_ROLE_KEY")),
      ...Object.values(
        parsed("SUPABASE_SECRET_KEYS", get("SUPABASE_SECRET_KEYS"), NamedKeys) ?? {},
      ),
    ],
    anonKeys: [
      ...Object.values(
        parsed("SUPABASE_PUBLISHABLE_KEYS", get("SUPABASE_PUBLISHABLE_KEYS"), NamedKeys) ?? {},
      ),
      ...present(get("SUPABASE_ANON_KEY")),
    ],
  };
}

let fromEnv: AuthConfig | undefined;

/** The function's own configuration (read once: a function's environment does not change). */
export function envAuthConfig(): AuthConfig {
  fromEnv ??= authConfigFrom((name) => Deno.env.get(name));
  return fromEnv;
}

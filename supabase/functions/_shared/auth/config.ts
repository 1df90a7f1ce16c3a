// What a function knows about its project's keys, from the environment Supabase gives every function:
// SUPABASE_URL, SUPABASE_JWKS (the public keys Auth signs user tokens with), SUPABASE_PUBLISHABLE_KEYS
// and SUPABASE_SECRET_KEYS (JSON objects of named `sb_...` keys), and the legacy SUPABASE_ANON_KEY,
// SUPABASE_SERVICE_ROLE_KEY and SUPABASE_JWT_SECRET (HS256; absent on projects that no longer use it).
// A malformed variable counts as absent (and is logged): nothing is accepted on its account.
import { z } from "zod";

// A JWKS as `{"keys": [...]}` (or the bare list). Keys are kept only when they can verify a user
// token: public EC or RSA keys with a kid; any other entry (a key type added later, a symmetric key)
// is left out rather than failing the whole set.
const Jwk = z.looseObject({
  kty: z.enum(["EC", "RSA"]),
  kid: z.string().min(1),
  alg: z.string().optional(),
  key_ops: z.array(z.string()).default(["verify"]),
});
const JwkEntries = z.array(z.unknown()).transform((entries) =>
  entries.flatMap((entry) => {
    const key = Jwk.safeParse(entry);
    return key.success && !("d" in key.data) ? [key.data] : [];
  })
);
export const JwksSchema = z.union([
  z.object({ keys: JwkEntries }),
  JwkEntries.transform((keys) => ({ keys })),
]);
export type Jwks = z.infer<typeof JwksSchema>;
// `{"default": "sb_secret_..."}`, or one key as the bare value.
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

function namedKeys(name: string, raw: string | undefined): string[] {
  if (raw && /^sb_[a-z]+_\S+$/.test(raw.trim())) return [raw.trim()];
  return Object.values(parsed(name, raw, NamedKeys) ?? {});
}

export function authConfigFrom(get: (name: string) => string | undefined): AuthConfig {
  const present = (value: string | undefined) => (value ? [value] : []);
  return {
    url: get("SUPABASE_URL")?.replace(/\/+$/, "") || undefined,
    jwks: parsed("SUPABASE_JWKS", get("SUPABASE_JWKS"), JwksSchema),
    jwtSecret: get("SUPABASE_JWT_SECRET") || undefined,
    serviceKeys: [
      ...present(get("SUPABASE_SERVICE_ROLE_KEY")),
      ...namedKeys("SUPABASE_SECRET_KEYS", get("SUPABASE_SECRET_KEYS")),
    ],
    anonKeys: [
      ...namedKeys("SUPABASE_PUBLISHABLE_KEYS", get("SUPABASE_PUBLISHABLE_KEYS")),
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

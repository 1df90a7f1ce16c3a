// The test stack's settings (dev/test.sh exports them) and small helpers every integration test uses.
import postgres from "postgres";
import { type JWK, SignJWT } from "jose";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { Database } from "../../supabase/functions/_shared/database.types.ts";
import { signWithJwk } from "../../dev/auth-keys.ts";
import { type FunctionReply, invokeFunction } from "../../dev/invoke.ts";

export { type FunctionReply, invokeFunction, replyOf } from "../../dev/invoke.ts";

function env(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set: run the tests with npm test (dev/test.sh)`);
  return value;
}

export const stack = {
  get url() {
    return env("SUPABASE_URL");
  },
  get dbUrl() {
    return env("SUPABASE_DB_URL");
  },
  get anonKey() {
    return env("SUPABASE_ANON_KEY");
  },
  get serviceKey() {
    return env("SUPABASE_SERVICE_ROLE_KEY");
  },
  get jwtSecret() {
    return env("SUPABASE_JWT_SECRET");
  },
  /** The private JWK Auth signs user tokens with (dev/test.sh exports it; the functions never see it). */
  get signingJwk(): JWK {
    return JSON.parse(env("AUTH_SIGNING_JWK"));
  },
  /** The new API keys (`sb_secret_...`, `sb_publishable_...`), the first of each. */
  get secretKey(): string {
    return Object.values(JSON.parse(env("SUPABASE_SECRET_KEYS")) as Record<string, string>)[0];
  },
  get publishableKey(): string {
    return Object.values(JSON.parse(env("SUPABASE_PUBLISHABLE_KEYS")) as Record<string, string>)[0];
  },
  functionUrl(name: string): string {
    return `${env("SUPABASE_URL")}/functions/v1/${name}`;
  },
};

/** A superuser connection to the test database; close it with `await sql.end()`. */
export function connect(max = 2): postgres.Sql {
  return postgres(stack.dbUrl, { max, prepare: false, onnotice: () => {} });
}

/** A token signed as the stack's Auth signs them (ES256, its private key, its kid), or, given
 * `secret`, a legacy HS256 token signed with that secret; or with `jwk`, another private key.
 * It expires in `expiresIn` seconds. */
export function signJwt(
  claims: Record<string, unknown>,
  options: { secret?: string; jwk?: JWK; expiresIn?: number } = {},
): Promise<string> {
  if (options.secret === undefined) {
    return signWithJwk(options.jwk ?? stack.signingJwk, claims, { expiresIn: options.expiresIn });
  }
  const secret = new TextEncoder().encode(options.secret);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(secret);
}

/** A user token for `userId` (role authenticated), as Supabase Auth would issue. */
export function userJwt(
  userId: string,
  options: { secret?: string; jwk?: JWK; expiresIn?: number } = {},
): Promise<string> {
  return signJwt({ sub: userId, role: "authenticated", aud: "authenticated" }, options);
}

/** A supabase-js client as a caller of this project holds one: the project URL and an API key (the
 * service-role key unless `key` is given). With `accessToken`, that signed-in user's token rides in
 * Authorization, as after `auth.signIn*`; the key stays the `apikey`. Nothing is stored or refreshed. */
export function supabaseClient(
  options: { key?: string; accessToken?: string } = {},
): SupabaseClient<Database> {
  const token = options.accessToken;
  return createClient<Database>(stack.url, options.key ?? stack.serviceKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...(token === undefined ? {} : { accessToken: () => Promise.resolve(token) }),
  });
}

let serviceClient: SupabaseClient<Database> | undefined;

/** Calls a function as pg_cron does (the service-role key), through `functions.invoke`. */
export function invokeService(
  name: string,
  body: unknown = {},
  path = "",
): Promise<FunctionReply> {
  serviceClient ??= supabaseClient();
  return invokeFunction(serviceClient, `${name}${path}`, { body: body as Record<string, unknown> });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

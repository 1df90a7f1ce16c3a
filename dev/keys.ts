// Makes a stack's keys, as a hosted project has them, and prints them as KEY=value lines (values
// that hold JSON are single-quoted, so the file can be sourced by bash):
// - the asymmetric signing key Auth signs user tokens with (ES256): its public half is SUPABASE_JWKS,
//   its private JWK goes to the file named by the first argument (the stack's state directory, mode
//   0600), never to stdout;
// - the new API keys, SUPABASE_PUBLISHABLE_KEYS and SUPABASE_SECRET_KEYS (JSON objects of named keys);
// - the legacy ones: SUPABASE_JWT_SECRET and the anon and service-role keys (HS256 JWTs signed with it).
import { SignJWT } from "jose";
import { newApiKey, newSigningKey } from "./auth-keys.ts";

const privateKeyFile = Deno.args[0];
if (!privateKeyFile) throw new Error("usage: deno run -A dev/keys.ts <private-key-file>");

const bytes = crypto.getRandomValues(new Uint8Array(32));
const secret = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const key = new TextEncoder().encode(secret);
const tenYears = 10 * 365 * 24 * 3600;

function sign(role: string): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("supabase-local")
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + tenYears)
    .sign(key);
}

const signing = await newSigningKey();
Deno.writeTextFileSync(privateKeyFile, JSON.stringify(signing.privateJwk), { mode: 0o600 });
Deno.chmodSync(privateKeyFile, 0o600);

console.log(`SUPABASE_ANON_KEY=${await sign("anon")}`);
console.log(`SUPABASE_SERVICE_ROLE_KEY=${await sign("service_role")}`);
console.log(`SUPABASE_JWT_SECRET=${secret}`);
console.log(`SUPABASE_JWKS='${JSON.stringify(signing.jwks)}'`);
console.log(
  `SUPABASE_PUBLISHABLE_KEYS='${JSON.stringify({ default: await newApiKey("publishable") })}'`,
);
console.log(`SUPABASE_SECRET_KEYS='${JSON.stringify({ default: await newApiKey("secret") })}'`);

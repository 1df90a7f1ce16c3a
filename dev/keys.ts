// Prints a fresh JWT secret and the anon and service-role keys signed with it, as KEY=value lines.
import { SignJWT } from "jose";

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

console.log(`SUPABASE_ANON_KEY=${await sign("anon")}`);
console.log(`SUPABASE_SERVICE_ROLE_KEY=${await sign("service_role")}`);
console.log(`SUPABASE_JWT_SECRET=${secret}`);

// `npm run -s token -- <user-id>`: prints an access token for that user, signed with the stack's
// asymmetric key as Supabase Auth signs one after a sign-in (there is no sign-in service locally).
//   deno run -A dev/token.ts <private-key-file> <user-id> [expires-in-seconds]
import { z } from "zod";
import { signWithJwk, userClaims } from "./auth-keys.ts";

const [keyFile, userId, expiresIn = "3600"] = Deno.args;
if (!keyFile || !userId) {
  console.error("usage: npm run -s token -- <user-id> [expires-in-seconds]");
  Deno.exit(2);
}
if (!z.uuid().safeParse(userId).success) {
  console.error(`the user id must be a UUID (auth.users.id), not '${userId}'`);
  Deno.exit(2);
}
if (!/^[1-9][0-9]{0,7}$/.test(expiresIn)) {
  console.error(`expires-in must be a positive number of seconds, not '${expiresIn}'`);
  Deno.exit(2);
}
let jwk;
try {
  jwk = JSON.parse(Deno.readTextFileSync(keyFile));
} catch {
  console.error(`no signing key at ${keyFile}: start the stack first (npm start)`);
  Deno.exit(1);
}
const url = Deno.env.get("SUPABASE_URL");
console.log(
  await signWithJwk(jwk, userClaims(userId), {
    expiresIn: Number(expiresIn),
    issuer: url ? `${url}/auth/v1` : undefined,
  }),
);

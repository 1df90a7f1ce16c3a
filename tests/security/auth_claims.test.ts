// supabase/functions/_shared/auth.ts on its own: what each credential is worth under each project
// configuration (JWKS given, JWKS fetched, legacy secret, nothing at all). Every refusal is an
// AuthError with status 401; nothing is ever accepted unverified.
import assert from "node:assert/strict";
import { base64url, type JWK, SignJWT } from "jose";
import {
  AuthError,
  claimsOf,
  requireServiceRole,
  requireUser,
} from "../../supabase/functions/_shared/auth.ts";
import { type AuthConfig, authConfigFrom } from "../../supabase/functions/_shared/auth/config.ts";
import { newApiKey, newSigningKey, signWithJwk, userClaims } from "../../dev/auth-keys.ts";

const project = await newSigningKey();
const attacker = await newSigningKey();
const SECRET = "s".repeat(40);
const SECRET_KEY = await newApiKey("secret");
const PUBLISHABLE_KEY = await newApiKey("publishable");
const USER = crypto.randomUUID();
// An address on loopback where nothing listens: a JWKS fetch there fails at once.
const NOWHERE = "http://127.0.0.1:9";

function config(over: Partial<AuthConfig> = {}): AuthConfig {
  return {
    url: NOWHERE,
    jwks: project.jwks as AuthConfig["jwks"],
    serviceKeys: [SECRET_KEY],
    anonKeys: [PUBLISHABLE_KEY],
    ...over,
  };
}

function bearer(token: string): Request {
  return new Request("http://fn.local/me", { headers: { authorization: `Bearer ${token}` } });
}

async function refused(promise: Promise<unknown>, status = 401, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AuthError, `an AuthError, not ${error}`);
    assert.equal(error.status, status, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

function hs256(claims: Record<string, unknown>, secret: string | Uint8Array, exp = 3600) {
  const key = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: project.privateJwk.kid })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + exp)
    .sign(key);
}

function unsigned(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const part = (v: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(v)));
  return `${part(header)}.${part(claims)}.`;
}

const now = () => Math.floor(Date.now() / 1000);

Deno.test("auth: a user token signed with the project's key (JWKS from the environment) is the user", async () => {
  const token = await signWithJwk(project.privateJwk, userClaims(USER));
  const claims = await requireUser(bearer(token), config());
  assert.equal(claims.sub, USER);
  assert.equal(claims.role, "authenticated");
});

Deno.test("auth: with no JWKS and no legacy secret every user token is refused, never decoded", async () => {
  const bare = config({ url: undefined, jwks: undefined, jwtSecret: undefined });
  const good = await signWithJwk(project.privateJwk, userClaims(USER));
  await refused(claimsOf(bearer(good), bare));
  await refused(claimsOf(bearer(await hs256(userClaims(USER), SECRET)), bare));
  await refused(claimsOf(bearer(unsigned({ alg: "none" }, userClaims(USER))), bare));
  // Environment variables that are not what Supabase sets count as absent, too.
  const fromEnv = authConfigFrom((name) =>
    ({ SUPABASE_JWKS: "{not json", SUPABASE_SECRET_KEYS: '["sb_secret_x"]' })[name]
  );
  assert.equal(fromEnv.jwks, undefined);
  assert.deepEqual(fromEnv.serviceKeys, []);
  await refused(claimsOf(bearer(good), fromEnv));
  await refused(claimsOf(bearer("sb_secret_x"), fromEnv));
});

Deno.test("auth: alg none, another key, a missing kid and an unknown alg are refused", async () => {
  const claims = { ...userClaims(USER), exp: now() + 3600 };
  for (const header of [{ alg: "none" }, { alg: "NONE" }, { typ: "JWT" }]) {
    await refused(claimsOf(bearer(unsigned(header, claims)), config()), 401, /Invalid JWT/);
  }
  // An attacker's ES256 key, with the project's kid and with its own.
  const sameKid = { ...attacker.privateJwk, kid: project.privateJwk.kid };
  await refused(claimsOf(bearer(await signWithJwk(sameKid, claims)), config()));
  await refused(claimsOf(bearer(await signWithJwk(attacker.privateJwk, claims)), config()));
  // The project's key but no kid: refused, not handed to the Auth server.
  const noKid = { ...project.privateJwk, kid: undefined } as JWK;
  await refused(claimsOf(bearer(await signWithJwk(noKid, claims)), config()), 401, /key id/);
  // A valid ES256 signature relabelled RS256.
  const good = await signWithJwk(project.privateJwk, claims);
  const [, payload, signature] = good.split(".");
  const relabelled = `${
    base64url.encode(
      new TextEncoder().encode(JSON.stringify({ alg: "RS256", kid: project.privateJwk.kid })),
    )
  }.${payload}.${signature}`;
  await refused(claimsOf(bearer(relabelled), config()));
  // A tampered payload under a valid signature.
  const [head] = good.split(".");
  const forgedPayload = base64url.encode(
    new TextEncoder().encode(JSON.stringify({ ...claims, role: "service_role" })),
  );
  await refused(requireServiceRole(bearer(`${head}.${forgedPayload}.${signature}`), config()));
});

Deno.test("auth: exp is required and checked, nbf is checked", async () => {
  const expired = await signWithJwk(project.privateJwk, userClaims(USER), { expiresIn: -5 });
  await refused(claimsOf(bearer(expired), config()), 401, /expired/);
  const notYet = await signWithJwk(project.privateJwk, { ...userClaims(USER), nbf: now() + 600 });
  await refused(claimsOf(bearer(notYet), config()), 401, /not valid yet/);
  const noExp = await new SignJWT(userClaims(USER))
    .setProtectedHeader({ alg: "ES256", kid: project.privateJwk.kid })
    .sign(
      await crypto.subtle.importKey(
        "jwk",
        project.privateJwk as JsonWebKey,
        { name: "ECDSA", namedCurve: "P-256" },
        false,
        ["sign"],
      ),
    );
  await refused(claimsOf(bearer(noExp), config()));
  const legacyExpired = await hs256(userClaims(USER), SECRET, -5);
  await refused(claimsOf(bearer(legacyExpired), config({ jwtSecret: SECRET })), 401, /expired/);
});

Deno.test("auth: HS256 is accepted only with the legacy secret configured, and only signed with it", async () => {
  const legacy = await hs256(userClaims(USER), SECRET);
  assert.equal((await requireUser(bearer(legacy), config({ jwtSecret: SECRET }))).sub, USER);
  await refused(claimsOf(bearer(legacy), config()), 401, /alg HS256 is not accepted/);
  await refused(claimsOf(
    bearer(await hs256(userClaims(USER), "w".repeat(40))),
    config({
      jwtSecret: SECRET,
    }),
  ));
  // Alg confusion: HS256 "signed" with the public key, as its JWK text or its raw coordinates.
  const publicJwk = project.jwks.keys[0];
  for (const material of [JSON.stringify(publicJwk), base64url.decode(publicJwk.x!)]) {
    const confused = await hs256({ ...userClaims(USER), role: "service_role" }, material);
    await refused(claimsOf(bearer(confused), config()));
    await refused(claimsOf(bearer(confused), config({ jwtSecret: SECRET })));
  }
});

Deno.test("auth: service role from a secret key, the legacy service key or a signed claim; never from an unsigned one", async () => {
  const legacyServiceKey = await hs256({ role: "service_role" }, SECRET);
  const cfg = config({ serviceKeys: [legacyServiceKey, SECRET_KEY] });
  assert.equal((await requireServiceRole(bearer(SECRET_KEY), cfg)).role, "service_role");
  // The legacy key is accepted as a key, also on a project whose legacy secret is gone.
  assert.equal((await requireServiceRole(bearer(legacyServiceKey), cfg)).role, "service_role");
  const apikeyOnly = new Request("http://fn.local/publish", { headers: { apikey: SECRET_KEY } });
  assert.equal((await requireServiceRole(apikeyOnly, cfg)).role, "service_role");
  const signed = await signWithJwk(project.privateJwk, { role: "service_role" });
  assert.equal((await requireServiceRole(bearer(signed), cfg)).role, "service_role");

  const unsignedClaim = unsigned({ alg: "none" }, { role: "service_role", exp: now() + 60 });
  await refused(requireServiceRole(bearer(unsignedClaim), cfg));
  const otherKey = await signWithJwk(attacker.privateJwk, { role: "service_role" });
  await refused(requireServiceRole(bearer(otherKey), cfg));
  await refused(requireServiceRole(bearer(await newApiKey("secret")), cfg), 401, /API key/);
  await refused(requireServiceRole(bearer(`${SECRET_KEY}x`), cfg), 401);
  const user = await signWithJwk(project.privateJwk, userClaims(USER));
  await refused(requireServiceRole(bearer(user), cfg), 403);
  await refused(requireServiceRole(bearer(PUBLISHABLE_KEY), cfg), 403);
});

Deno.test("auth: a publishable key is anon; a missing or malformed header is a 401", async () => {
  assert.deepEqual(await claimsOf(bearer(PUBLISHABLE_KEY), config()), { role: "anon" });
  await refused(requireUser(bearer(PUBLISHABLE_KEY), config()), 403);
  await refused(claimsOf(new Request("http://fn.local/me"), config()), 401, /Missing/);
  const basic = new Request("http://fn.local/me", { headers: { authorization: "Basic abc" } });
  await refused(claimsOf(basic, config()), 401, /Bearer/);
  await refused(claimsOf(bearer("not-a-jwt"), config()), 401, /Invalid JWT/);
  // The Authorization header decides when there is one: a secret apikey beside a user's token
  // does not make the call a service call.
  const both = new Request("http://fn.local/me", {
    headers: {
      authorization: `Bearer ${await signWithJwk(project.privateJwk, userClaims(USER))}`,
      apikey: SECRET_KEY,
    },
  });
  assert.equal((await claimsOf(both, config())).role, "authenticated");
});

Deno.test("auth: without SUPABASE_JWKS the JWKS is fetched from <url>/auth/v1/.well-known/jwks.json and cached", async () => {
  const paths: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    paths.push(new URL(req.url).pathname);
    return Response.json(project.jwks);
  });
  try {
    const cfg = config({ url: `http://127.0.0.1:${server.addr.port}`, jwks: undefined });
    const token = await signWithJwk(project.privateJwk, userClaims(USER));
    assert.equal((await requireUser(bearer(token), cfg)).sub, USER);
    assert.equal((await requireUser(bearer(token), cfg)).sub, USER);
    assert.deepEqual(paths, ["/auth/v1/.well-known/jwks.json"], "fetched once, then cached");
    // A kid the kept JWKS lacks is refused; made-up kids in a burst do not each fetch the JWKS, and
    // no token is ever handed to the Auth server's /user endpoint instead.
    for (let i = 0; i < 5; i++) {
      const forged = await signWithJwk(attacker.privateJwk, userClaims(USER));
      await refused(claimsOf(bearer(forged), cfg));
    }
    assert.deepEqual(paths, ["/auth/v1/.well-known/jwks.json"]);
  } finally {
    await server.shutdown();
  }
  // Auth unreachable or failing: refused.
  const failing = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => Response.json({ message: "unavailable" }, { status: 503 }),
  );
  try {
    const cfg = config({ url: `http://127.0.0.1:${failing.addr.port}`, jwks: undefined });
    await refused(claimsOf(bearer(await signWithJwk(project.privateJwk, userClaims(USER))), cfg));
  } finally {
    await failing.shutdown();
  }
});

Deno.test("auth: the environment's keys are read as Supabase sets them; unusable JWKS entries are left out", async () => {
  const okp = { kty: "OKP", crv: "Ed25519", kid: "ed", x: "AAAA" };
  const withPrivate = { ...project.privateJwk, kid: "leaked" };
  const cfg = authConfigFrom((name) =>
    ({
      SUPABASE_URL: `${NOWHERE}/`,
      SUPABASE_JWKS: JSON.stringify({ keys: [okp, withPrivate, project.jwks.keys[0]] }),
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY, ci: "sb_secret_ci" }),
      SUPABASE_PUBLISHABLE_KEYS: PUBLISHABLE_KEY,
    })[name]
  );
  assert.equal(cfg.url, NOWHERE);
  assert.deepEqual(cfg.jwks?.keys.map((k) => k.kid), [project.privateJwk.kid]);
  assert.deepEqual(cfg.serviceKeys, [SECRET_KEY, "sb_secret_ci"]);
  assert.deepEqual(cfg.anonKeys, [PUBLISHABLE_KEY]);
  const token = await signWithJwk(project.privateJwk, userClaims(USER));
  assert.equal((await requireUser(bearer(token), cfg)).sub, USER);
  assert.equal((await requireServiceRole(bearer("sb_secret_ci"), cfg)).role, "service_role");
  // The bare list is a JWKS too.
  const bare = authConfigFrom((name) =>
    ({ SUPABASE_JWKS: JSON.stringify(project.jwks.keys) })[name]
  );
  assert.deepEqual(bare.jwks, { keys: project.jwks.keys });
});

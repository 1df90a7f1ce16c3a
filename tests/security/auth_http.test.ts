// Auth on a hosted-like stack, over HTTP against the functions: user tokens are ES256, signed with the
// stack's key and published as a JWKS at /auth/v1/.well-known/jwks.json; legacy HS256 tokens count only
// with the legacy secret; service calls carry the legacy service-role key or a new secret key. Forged
// tokens change nothing: no distribution is written, no due post is published, no platform is called.
import assert from "node:assert/strict";
import { base64url, type JWK } from "jose";
import { connect, signJwt, stack, userJwt } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { createTenant, future, LONG_BODY } from "../scheduling/helpers.ts";
import { newSigningKey } from "../../dev/auth-keys.ts";

type Sql = ReturnType<typeof connect>;

interface Call {
  method?: string;
  token?: string;
  apikey?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

async function call(name: string, options: Call = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.apikey !== undefined) headers.apikey = options.apikey;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(stack.functionUrl(name), {
    method: options.method ?? "POST",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const now = () => Math.floor(Date.now() / 1000);

function unsignedToken(claims: Record<string, unknown>): string {
  const part = (v: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(v)));
  return `${part({ alg: "none", typ: "JWT" })}.${part({ exp: now() + 3600, ...claims })}.`;
}

/** Tokens no function may accept, each carrying `claims`, by what is wrong with it. */
async function forgeries(claims: Record<string, unknown>): Promise<Record<string, string>> {
  const other = await newSigningKey();
  const sameKid: JWK = { ...other.privateJwk, kid: stack.signingJwk.kid };
  const publicJwk = JSON.stringify({ ...stack.signingJwk, d: undefined });
  return {
    "alg none": unsignedToken(claims),
    "another ES256 key": await signJwt(claims, { jwk: other.privateJwk }),
    "another ES256 key under the project's kid": await signJwt(claims, { jwk: sameKid }),
    "expired": await signJwt(claims, { expiresIn: -30 }),
    "HS256 with another secret": await signJwt(claims, { secret: "w".repeat(40) }),
    "HS256 signed with the public key": await signJwt(claims, { secret: publicJwk }),
  };
}

async function distributionsOf(sql: Sql, clientId: string): Promise<number> {
  const [{ n }] = await sql`select count(*)::int as n from public.distributions
                             where client_id = ${clientId}`;
  return n;
}

async function statusOf(sql: Sql, id: string): Promise<string> {
  const [row] = await sql`select status from public.distributions where id = ${id}`;
  return row.status;
}

function scheduleBody(platformIds: string[]) {
  return {
    content: { title: "Budget habits", body: `# Budget habits\n\n${LONG_BODY}` },
    platform_ids: platformIds,
    at: future(4),
    nearest: true,
  };
}

Deno.test("auth http: the JWKS is served where hosted Auth serves it, public half only", async () => {
  const res = await fetch(`${stack.url}/auth/v1/.well-known/jwks.json`);
  assert.equal(res.status, 200);
  const jwks = await res.json();
  assert.equal(jwks.keys.length, 1);
  const [key] = jwks.keys;
  assert.equal(key.kid, stack.signingJwk.kid);
  assert.equal(key.alg, "ES256");
  assert.equal(key.kty, "EC");
  assert.equal(key.d, undefined, "the private part is never published");
  // The functions get the same JWKS in their environment, as on hosted Supabase.
  assert.deepEqual(JSON.parse(Deno.env.get("SUPABASE_JWKS")!), jwks);
});

Deno.test("auth http: forged user tokens get 401 from schedule and write nothing", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const claims = { sub: t.userId, role: "authenticated", aud: "authenticated" };
    for (const [what, token] of Object.entries(await forgeries(claims))) {
      const reply = await call("schedule", { token, body: scheduleBody(t.platforms) });
      assert.equal(reply.status, 401, `${what}: ${JSON.stringify(reply.body)}`);
    }
    assert.equal(await distributionsOf(sql, t.clientId), 0);
    // The same request with the user's real token (ES256, the stack's key) is scheduled.
    const ok = await call("schedule", { token: t.token, body: scheduleBody(t.platforms) });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(await distributionsOf(sql, t.clientId), 1);
  } finally {
    await sql.end();
  }
});

Deno.test("auth http: a user's token is ES256 with the stack's kid; an expired one is refused as expired", async () => {
  const userId = crypto.randomUUID();
  const token = await userJwt(userId);
  const header = JSON.parse(new TextDecoder().decode(base64url.decode(token.split(".")[0])));
  assert.deepEqual([header.alg, header.kid], ["ES256", stack.signingJwk.kid]);
  const me = await call("me", { method: "GET", token });
  assert.equal(me.status, 200);
  assert.equal(me.body.user_id, userId);
  const expired = await call("me", {
    method: "GET",
    token: await userJwt(userId, { expiresIn: -5 }),
  });
  assert.equal(expired.status, 401);
  assert.match(JSON.stringify(expired.body), /expired/);
});

Deno.test("auth http: legacy HS256 tokens count only when signed with the project's legacy secret", async () => {
  const userId = crypto.randomUUID();
  const legacy = await call("me", {
    method: "GET",
    token: await userJwt(userId, { secret: stack.jwtSecret }),
  });
  assert.equal(legacy.status, 200, JSON.stringify(legacy.body));
  assert.equal(legacy.body.user_id, userId);
  const wrong = await call("me", {
    method: "GET",
    token: await userJwt(userId, { secret: `${stack.jwtSecret}x` }),
  });
  assert.equal(wrong.status, 401);
});

Deno.test("auth http: publish and metrics refuse a service_role claim without a valid signature; nothing is published", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    const x = emulatorFor("x");
    await x.clearRequests();
    const [id] = await insertDue(sql, [{ platform_id: PLATFORM_IDS.x, body: "auth: forged run" }]);
    const forged = await forgeries({ role: "service_role" });
    forged["a made-up secret key"] = "sb_secret_AAAAAAAAAAAAAAAAAAAAAA_AAAAAAAA";
    for (const name of ["publish", "metrics"]) {
      for (const [what, token] of Object.entries(forged)) {
        const reply = await call(name, { token, body: { budget_ms: 2_000 } });
        assert.equal(reply.status, 401, `${name}, ${what}: ${JSON.stringify(reply.body)}`);
        const asApikey = await call(name, { apikey: token, body: { budget_ms: 2_000 } });
        assert.equal(asApikey.status, 401, `${name}, ${what} as apikey`);
      }
      // Properly signed, but not the service role: a user, anon (the publishable key).
      const user = await call(name, { token: await userJwt(crypto.randomUUID()), body: {} });
      assert.equal(user.status, 403, `${name}: a user's token`);
      const anon = await call(name, { token: stack.publishableKey, body: {} });
      assert.equal(anon.status, 403, `${name}: the publishable key`);
    }
    assert.equal(await statusOf(sql, id), "scheduled");
    assert.equal((await x.publishRequests()).length, 0, "the platform was never called");
  } finally {
    await sql.end();
  }
});

Deno.test("auth http: the new secret key is the service role (Bearer or apikey), as is the legacy key", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    const x = emulatorFor("x");
    await x.clearRequests();
    const [id] = await insertDue(sql, [{
      platform_id: PLATFORM_IDS.x,
      body: "auth: secret key run",
    }]);
    assert.ok(stack.secretKey.startsWith("sb_secret_"));
    const run = await call("publish", {
      token: stack.secretKey,
      body: { budget_ms: 20_000, exit_when_idle: true },
    });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(await statusOf(sql, id), "published");
    assert.equal((await x.publishRequests()).length, 1);
    const metrics = await call("metrics", { apikey: stack.secretKey, body: { budget_ms: 1_000 } });
    assert.equal(metrics.status, 200, JSON.stringify(metrics.body));
    const legacy = await call("metrics", { token: stack.serviceKey, body: { budget_ms: 1_000 } });
    assert.equal(legacy.status, 200, JSON.stringify(legacy.body));
  } finally {
    await sql.end();
  }
});

Deno.test("auth http: OPTIONS is a CORS preflight that runs nothing", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    const x = emulatorFor("x");
    await x.clearRequests();
    const [id] = await insertDue(sql, [{ platform_id: PLATFORM_IDS.x, body: "auth: preflight" }]);
    const t = await createTenant(sql, [{ kind: "x" }]);
    const preflight = {
      origin: "https://app.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    };
    for (const name of ["publish", "schedule", "metrics", "me", "health"]) {
      // A preflight carries no credentials; even with a body and a valid key, it runs nothing.
      const reply = await call(name, {
        method: "OPTIONS",
        headers: preflight,
        token: name === "schedule" ? t.token : stack.secretKey,
        body: name === "schedule" ? scheduleBody(t.platforms) : { budget_ms: 5_000 },
      });
      assert.equal(reply.status, 204, `${name}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body, null);
      assert.equal(reply.headers.get("access-control-allow-origin"), "*");
      assert.match(reply.headers.get("access-control-allow-headers") ?? "", /authorization/);
      assert.match(reply.headers.get("access-control-allow-headers") ?? "", /apikey/);
      assert.match(reply.headers.get("access-control-allow-methods") ?? "", /POST/);
    }
    assert.equal(await statusOf(sql, id), "scheduled", "publish did not run");
    assert.equal((await x.publishRequests()).length, 0);
    assert.equal(await distributionsOf(sql, t.clientId), 0, "schedule did not run");
    // The answers themselves are readable by a browser page too.
    const me = await call("me", { method: "GET", token: t.token });
    assert.equal(me.headers.get("access-control-allow-origin"), "*");
    await sql`delete from public.distributions where id = ${id}`;
  } finally {
    await sql.end();
  }
});

Deno.test("auth http: npm run -s token -- <user-id> prints a token the functions accept for that user", async () => {
  const userId = crypto.randomUUID();
  const run = async (...args: string[]) => {
    const out = await new Deno.Command("bash", {
      args: ["dev/stack.sh", "token", ...args],
      env: { STACK: Deno.env.get("STACK") ?? "test" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout).trim(),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  const printed = await run(userId);
  assert.equal(printed.code, 0, printed.stderr);
  const header = JSON.parse(
    new TextDecoder().decode(base64url.decode(printed.stdout.split(".")[0])),
  );
  assert.equal(header.alg, "ES256");
  const me = await call("me", { method: "GET", token: printed.stdout });
  assert.equal(me.status, 200, JSON.stringify(me.body));
  assert.deepEqual([me.body.role, me.body.user_id], ["authenticated", userId]);
  const bad = await run("not-a-uuid");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /UUID/);
});
